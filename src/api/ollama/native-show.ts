/**
 * POST /api/show: an installed model's answer is Ollama's own (the client's body is passed on, so
 * `verbose` works); a virtual model's is built from its generator and profile (virtual-models.ts).
 * `name` is the deprecated spelling of `model`, as in Ollama.
 */
import type { RequestContext } from '../../server/context.js';
import type { OllamaShowRequest, OllamaShowResponse } from '../../types/ollama.js';
import { listModels } from '../installed-models.js';
import { sendNativeJson } from './native-chunks.js';
import { NativeRequestError } from './native-errors.js';
import { explainNativeUpstreamError } from './native-not-found.js';
import { nativeBody, nativeModel, virtualProfile } from './native-request.js';
import { describeVirtual, virtualShowBody } from './virtual-models.js';

export async function handleNativeShow(context: RequestContext): Promise<void> {
  const { app, signal } = context;
  const body = nativeBody(await context.readJson(), 'ShowRequest');
  const model = nativeModel(body);
  Object.assign(context.logFields, { model });
  if (model.trim() === '') throw new NativeRequestError('model is required', 'missing_required_parameter');

  const virtual = await virtualProfile(app, model, signal);
  if (virtual !== undefined) {
    const { installed } = await listModels(app, signal);
    const described = await describeVirtual(app, virtual.id, installed, signal);
    const generator = described.generator?.name;
    const generatorShow = generator === undefined ? undefined : await app.ollama.show({ model: generator }, signal).catch((): undefined => undefined);
    sendNativeJson(context.response, 200, virtualShowBody({ ...described, profile: virtual.profile }, generatorShow, app));
    return;
  }
  const request = { ...body, model } as OllamaShowRequest;
  const answer: OllamaShowResponse = await app.ollama.show(request, signal).catch((error: unknown) => explainNativeUpstreamError(app, model, 'chat', error, signal));
  sendNativeJson(context.response, 200, answer);
}
