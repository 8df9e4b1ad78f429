/**
 * POST /api/chat, Ollama's chat endpoint. A virtual model id (a profile, `rlm/<model>`, with or
 * without `:latest`) runs the pipeline (native-pipeline.ts); any other model is passed through to
 * Ollama (native-passthrough.ts). An empty `messages` is Ollama's "load the model" request, which
 * a virtual model answers at once, as Ollama answers it (done_reason "load", or "unload" with
 * keep_alive 0), so that `ollama run rlm` can start.
 */
import type { RequestContext } from '../../server/context.js';
import type { OllamaChatRequest } from '../../types/ollama.js';
import { chatShape, ollamaTime, sendNativeJson } from './native-chunks.js';
import { NativeRequestError } from './native-errors.js';
import { explainedStream, explainNativeUpstreamError } from './native-not-found.js';
import { passThroughBody, relayNativeStream, sendWhole } from './native-passthrough.js';
import { runNativePipeline } from './native-pipeline.js';
import { nativeBody, nativeModel, pipelineChatRequest, virtualProfile, wantsStream, wantsThinking } from './native-request.js';

export async function handleNativeChat(context: RequestContext): Promise<void> {
  const { app } = context;
  // The request's cancel without an AbortSignal made for it, for the model checks and the upstream
  // call (request-abort.ts); a pipeline run gets the real context.signal.
  const signal = context.cancel ?? context.signal;
  const body = nativeBody(await context.readJson(), 'ChatRequest');
  const model = nativeModel(body);
  const stream = wantsStream(body);
  Object.assign(context.logFields, { model, stream });
  if (model.trim() === '') throw new NativeRequestError('model is required', 'missing_required_parameter');

  const virtual = await virtualProfile(app, model, signal);
  if (virtual !== undefined) {
    const messages = body['messages'];
    if (messages === undefined || messages === null || (Array.isArray(messages) && messages.length === 0)) {
      const unload = body['keep_alive'] === 0 || body['keep_alive'] === '0' || body['keep_alive'] === '0s';
      sendNativeJson(context.response, 200, {
        model,
        created_at: ollamaTime(app.now()),
        message: { role: 'assistant', content: '' },
        done: true,
        done_reason: unload ? 'unload' : 'load',
      });
      return;
    }
    const request = pipelineChatRequest(body, virtual.id);
    return runNativePipeline(context, { request, profile: virtual.profile, think: wantsThinking(body), stream, shape: chatShape(model, app.now) });
  }

  const upstream = passThroughBody<OllamaChatRequest>(context, body);
  const explain = (error: unknown): Promise<never> => explainNativeUpstreamError(app, model, 'chat', error, signal);
  if (!stream) return sendWhole(context, app.ollama.chat(upstream, signal).catch(explain));
  return relayNativeStream(context, explainedStream(app.ollama.chatStream(upstream, signal), explain));
}
