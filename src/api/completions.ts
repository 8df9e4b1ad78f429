/**
 * POST /v1/completions: raw pass-through for editor autocomplete (fill-in-the-middle). Clients
 * cancel on every keystroke, so this path does the least it can: a cached model check, one upstream
 * stream, and a cancel that reaches Ollama the moment the client goes away.
 */
import { createCompletionChunkStream, parseCompletionRequest, toCompletion, toOllamaGenerateRequest } from './completion-mapping.js';
import { openEventStream } from './event-stream.js';
import { awaitFirstChunk } from './first-chunk.js';
import { checkModel, explainUpstreamError } from './model-checks.js';
import type { RequestContext } from '../server/context.js';
import { sendJson } from '../server/error-response.js';

export async function handleCompletions(context: RequestContext): Promise<void> {
  const { app } = context;
  // The request's cancel without an AbortSignal made for it, for the model checks and the upstream
  // call (request-abort.ts); a pipeline run gets the real context.signal.
  const signal = context.cancel ?? context.signal;
  const request = parseCompletionRequest(await context.readJson());
  const stream = request.stream === true;
  context.logFields.model = request.model;
  context.logFields.stream = stream;

  const hasSuffix = typeof request.suffix === 'string' && request.suffix !== '';
  await checkModel(app, request.model, { endpoint: 'completions', completion: true, insert: hasSuffix }, signal);
  const upstream = toOllamaGenerateRequest(request, { model: request.model, stream: true });
  // The same num_ctx as chat: a model asked with two different context sizes reloads between them.
  if (app.config.numCtx > 0) upstream.options = { ...upstream.options, num_ctx: app.config.numCtx };
  const responseContext = { id: app.newId('cmpl'), created: Math.floor(app.now() / 1000), model: request.model };

  if (!stream) {
    const result = await app.ollama.generate(upstream, signal).catch((error: unknown) => explainUpstreamError(app, request.model, error, signal, 'completions'));
    sendJson(context.response, 200, toCompletion(result, responseContext));
    return;
  }

  const converter = createCompletionChunkStream({ ...responseContext, includeUsage: request.stream_options?.include_usage === true });
  const chunks = await awaitFirstChunk(app.ollama.generateStream(upstream, signal), app.config.keepAliveMs).catch((error: unknown) =>
    explainUpstreamError(app, request.model, error, signal, 'completions'),
  );
  const writer = openEventStream(context);
  try {
    for await (const chunk of chunks) {
      for (const event of converter.push(chunk)) await writer.data(event);
    }
  } finally {
    await chunks.return?.();
  }
  for (const event of converter.finish()) await writer.data(event);
  await writer.done();
}
