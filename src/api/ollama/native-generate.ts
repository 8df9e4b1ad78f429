/**
 * POST /api/generate, Ollama's completion endpoint. A virtual model runs the pipeline on the prompt
 * (and `system`) as a one-turn chat, answered in generate's shape (`response`, top-level
 * `thinking`); an empty prompt is the "load" request, answered at once. `suffix` (fill in the
 * middle) is refused for a virtual model. Any other model is passed through to Ollama.
 */
import type { RequestContext } from '../../server/context.js';
import type { OllamaGenerateRequest } from '../../types/ollama.js';
import { generateShape, ollamaTime, sendNativeJson } from './native-chunks.js';
import { explainedStream, explainNativeUpstreamError } from './native-not-found.js';
import { passThroughBody, relayNativeStream, sendWhole } from './native-passthrough.js';
import { runNativePipeline } from './native-pipeline.js';
import { nativeBody, nativeModel, pipelineGenerateRequest, virtualProfile, wantsStream, wantsThinking } from './native-request.js';

export async function handleNativeGenerate(context: RequestContext): Promise<void> {
  const { app } = context;
  // The request's cancel without an AbortSignal made for it, for the model checks and the upstream
  // call (request-abort.ts); a pipeline run gets the real context.signal.
  const signal = context.cancel ?? context.signal;
  const body = nativeBody(await context.readJson(), 'GenerateRequest');
  const model = nativeModel(body);
  const stream = wantsStream(body);
  Object.assign(context.logFields, { model, stream });

  // Generate has no "model is required": Ollama answers a missing model with 404 `model '' not found`.
  const virtual = model.trim() === '' ? undefined : await virtualProfile(app, model, signal);
  if (virtual !== undefined) {
    const prompt = body['prompt'];
    if (prompt === undefined || prompt === null || prompt === '') {
      const unload = body['keep_alive'] === 0 || body['keep_alive'] === '0' || body['keep_alive'] === '0s';
      sendNativeJson(context.response, 200, { model, created_at: ollamaTime(app.now()), response: '', done: true, done_reason: unload ? 'unload' : 'load' });
      return;
    }
    const request = pipelineGenerateRequest(body, virtual.id);
    return runNativePipeline(context, { request, profile: virtual.profile, think: wantsThinking(body), stream, shape: generateShape(model, app.now) });
  }

  const upstream = passThroughBody<OllamaGenerateRequest>(context, body);
  const explain = (error: unknown): Promise<never> => explainNativeUpstreamError(app, model, 'chat', error, signal);
  if (!stream) return sendWhole(context, app.ollama.generate(upstream, signal).catch(explain));
  return relayNativeStream(context, explainedStream(app.ollama.generateStream(upstream, signal), explain));
}
