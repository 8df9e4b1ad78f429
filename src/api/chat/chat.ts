/**
 * POST /v1/chat/completions in pass-through mode: the request goes to the named Ollama model
 * through the native /api/chat, and the answer comes back in OpenAI's shape, whole or streamed. A
 * stream answers 200 only once Ollama's first chunk is in (or the keep-alive interval has passed),
 * so an Ollama that fails at once gets its real status to the client.
 * A virtual model (a pipeline profile, or `rlm/<model>`) goes to the pipeline instead.
 */
import { parseChatRequest, toOllamaChatRequest } from './chat-request.js';
import { toChatCompletion, type ChatResponseContext } from './chat-response.js';
import { createChatChunkStream } from './chat-stream.js';
import { openEventStream } from '../event-stream.js';
import { awaitFirstChunk } from '../first-chunk.js';
import { checkModel, explainUpstreamError } from '../model-checks.js';
import { handlePipelineChat } from './pipeline-chat.js';
import type { RequestContext } from '../../server/context.js';
import { sendJson } from '../../server/error-response.js';

export async function handleChatCompletions(context: RequestContext): Promise<void> {
  const { app } = context;
  // The request's cancel without an AbortSignal made for it, for the model checks and the upstream
  // call (request-abort.ts); a pipeline run gets the real context.signal.
  const signal = context.cancel ?? context.signal;
  const request = parseChatRequest(await context.readJson());
  const stream = request.stream === true;
  context.logFields.model = request.model;
  context.logFields.stream = stream;
  const profile = await app.pipeline.resolveModel(request.model, signal);
  if (profile !== undefined) return handlePipelineChat(context, request, profile);

  const hasTools = Array.isArray(request.tools) && request.tools.length > 0 && request.tool_choice !== 'none';
  const { capabilities } = await checkModel(app, request.model, { endpoint: 'chat', completion: true, tools: hasTools }, signal);
  const upstream = toOllamaChatRequest(request, { model: request.model, numCtx: app.config.numCtx, stream: true });
  // Asking a model without thinking to think is a 400 at Ollama; a reasoning_effort sent by an
  // editor's global setting should not break plain models, so it is dropped for them.
  if (upstream.think !== undefined && capabilities !== undefined && !capabilities.includes('thinking')) delete upstream.think;

  const responseContext: ChatResponseContext = {
    id: app.newId('chatcmpl'),
    created: Math.floor(app.now() / 1000),
    model: request.model,
    newToolCallId: () => app.newId('call'),
  };

  if (!stream) {
    const result = await app.ollama.chat(upstream, signal).catch((error: unknown) => explainUpstreamError(app, request.model, error, signal, 'chat'));
    sendJson(context.response, 200, toChatCompletion(result, responseContext));
    return;
  }

  const converter = createChatChunkStream({ ...responseContext, includeUsage: request.stream_options?.include_usage === true });
  const chunks = await awaitFirstChunk(app.ollama.chatStream(upstream, signal), app.config.keepAliveMs).catch((error: unknown) =>
    explainUpstreamError(app, request.model, error, signal, 'chat'),
  );
  const writer = openEventStream(context);
  try {
    await writer.data(converter.start());
    for await (const chunk of chunks) {
      for (const event of converter.push(chunk)) await writer.data(event);
    }
  } finally {
    await chunks.return?.();
  }
  for (const event of converter.finish()) await writer.data(event);
  await writer.done();
}
