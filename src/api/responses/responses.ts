/**
 * POST /v1/responses: the stateless subset of OpenAI's Responses API that Ollama itself serves.
 * The body (input items, instructions, flat function tools and their outputs, `text.format`,
 * `max_output_tokens`) becomes a chat request (responses-input.ts), which goes to an installed
 * model as on /v1/chat/completions, or runs the pipeline for a virtual one; the answer comes back
 * as a `response` object, or streamed as the Responses event sequence (responses-output.ts), with
 * thinking, and the pipeline's progress, as a reasoning summary. `tool_choice` is honoured through
 * responses-tool-choice.ts. `previous_response_id`, `conversation`, `background` and stored
 * `prompt`s need state kept between requests, which rlm does not keep: a clear 400. The rest of
 * what the SDKs send (`store`, `include`, `parallel_tool_calls`, `truncation`, `metadata`, `user`,
 * `service_tier`, …) changes nothing a local model does and is accepted. A failure after the
 * stream opened ends it with an `error` event and `response.failed`.
 */
import { assertCheckableSchemas } from '../../orchestrator/checks/client-schemas.js';
import type { RequestContext } from '../../server/context.js';
import { sendJson } from '../../server/error-response.js';
import type { OllamaChatResponse } from '../../types/ollama.js';
import type { OpenAIChatCompletionRequest } from '../../types/openai.js';
import type { Profile } from '../../types/profile.js';
import { InvalidRequestError, toRlmError } from '../../utils/errors.js';
import type { SseWriter } from '../../utils/stream.js';
import { parseChatRequest, toOllamaChatRequest } from '../chat/chat-request.js';
import { openEventStream } from '../event-stream.js';
import { awaitFirstChunk } from '../first-chunk.js';
import { checkModel, explainUpstreamError } from '../model-checks.js';
import { contentPieces, rlmObject } from '../chat/pipeline-chat.js';
import { createResponsesBuilder, type ResponsesBuilder } from './responses-output.js';
import { forcedToolCall, planToolChoice, type ForcedCall } from './responses-tool-choice.js';
import { answerDelivery } from '../chat/unapproved-answer.js';
import { isPresent, missingParameter, requireBody } from '../validate.js';

/** Fields that need a response, a conversation or a prompt kept by the server. */
const STATEFUL_FIELDS = ['previous_response_id', 'conversation', 'prompt'] as const;

export async function handleResponses(context: RequestContext): Promise<void> {
  const { app, signal } = context;
  const body = requireBody(await context.readJson());
  for (const stateful of STATEFUL_FIELDS) {
    if (isPresent(body[stateful])) {
      throw new InvalidRequestError(
        `'${stateful}' is not supported: rlm keeps no responses between requests. Send the whole conversation in 'input' (earlier outputs as input items), as with store: false.`,
        stateful,
        'unsupported_parameter',
      );
    }
  }
  if (body['background'] === true) {
    throw new InvalidRequestError("'background' is not supported: rlm keeps no responses to poll later. Stream the response instead.", 'background', 'unsupported_parameter');
  }
  if (!isPresent(body['input'])) throw missingParameter('input');
  const { messages: _ignored, ...responsesBody } = body;
  const { request, forced } = planToolChoice(parseChatRequest(responsesBody));
  const stream = request.stream === true;
  Object.assign(context.logFields, { model: request.model, stream });
  const builder = createResponsesBuilder({
    id: app.newId('resp'),
    createdAt: Math.floor(app.now() / 1000),
    model: request.model,
    newId: app.newId,
    echo: echoed(body),
  });

  const profile = await app.pipeline.resolveModel(request.model, signal);
  if (profile !== undefined) return pipelineResponse(context, request, profile, builder, forced);

  const hasTools = Array.isArray(request.tools) && request.tools.length > 0;
  const { capabilities } = await checkModel(app, request.model, { endpoint: 'chat', completion: true, tools: hasTools }, signal);
  const upstream = toOllamaChatRequest(request, { model: request.model, numCtx: app.config.numCtx, stream: true });
  if (upstream.think !== undefined && capabilities !== undefined && !capabilities.includes('thinking')) delete upstream.think;
  const explain = (error: unknown): Promise<never> => explainUpstreamError(app, request.model, error, signal, 'chat');

  if (!stream) {
    const answer = await app.ollama.chat(upstream, signal).catch(explain);
    builder.push(asCall(answer, forced, answer.message.content));
    sendJson(context.response, 200, builder.response());
    return;
  }
  const chunks = await awaitFirstChunk(app.ollama.chatStream(upstream, signal), app.config.keepAliveMs).catch(explain);
  const writer = openEventStream(context);
  await failingInStream(writer, builder, async () => {
    try {
      for (const event of builder.start()) await writer.data(event);
      // A forced call's JSON is held back and leaves whole, as the function_call item.
      let held = '';
      for await (const chunk of chunks) {
        if (forced.kind !== 'none') {
          held += chunk.message.content;
          chunk.message = { ...chunk.message, content: '' };
          if (chunk.done) chunk.message.tool_calls = [forcedToolCall(forced, held)];
        }
        for (const event of builder.push(chunk)) await writer.data(event);
      }
    } finally {
      await chunks.return?.();
    }
    for (const event of builder.finish()) await writer.data(event);
  });
}

/** A native answer whose content is the forced call's JSON, as that call. */
function asCall(answer: OllamaChatResponse, forced: ForcedCall, content: string): OllamaChatResponse {
  if (forced.kind === 'none') return answer;
  return { ...answer, message: { ...answer.message, content: '', tool_calls: [forcedToolCall(forced, content)] } };
}

/**
 * Runs the streamed part of an answer. A failure once the stream is open ends it as the Responses
 * clients expect (an `error` event, then `response.failed`) and is rethrown, for the log line;
 * the response has ended, so the error path writes nothing more.
 */
async function failingInStream(writer: SseWriter, builder: ResponsesBuilder, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (thrown) {
    const error = toRlmError(thrown);
    if (!writer.closed) {
      for (const event of builder.fail(error)) await writer.data(event).catch(() => undefined);
    }
    writer.end();
    throw thrown;
  }
  writer.end();
}

/** The request settings a response object echoes back. */
function echoed(body: Record<string, unknown>): Record<string, unknown> {
  const echo: Record<string, unknown> = {};
  for (const key of ['instructions', 'max_output_tokens', 'temperature', 'top_p', 'tool_choice', 'tools', 'text', 'reasoning', 'metadata']) {
    if (isPresent(body[key])) echo[key] = body[key];
  }
  return echo;
}

async function pipelineResponse(context: RequestContext, request: OpenAIChatCompletionRequest, profile: Profile, builder: ResponsesBuilder, forced: ForcedCall): Promise<void> {
  const { app, signal, response } = context;
  const pipeline = app.pipeline;
  assertCheckableSchemas(request);
  await pipeline.checkProfileModels(profile, signal, { tools: Array.isArray(request.tools) && request.tools.length > 0 });
  const admitted = await pipeline.admit({ runId: pipeline.newRunId(), profile, requestedModel: request.model, request });
  Object.assign(context.logFields, { run_id: admitted.runId, profile: profile.name });
  response.setHeader('x-rlm-run-id', admitted.runId);

  if (request.stream !== true) {
    const result = await admitted.run({ signal });
    const delivery = answerDelivery(result, profile, request);
    if (delivery.kind === 'refuse') throw delivery.error;
    response.setHeader('x-rlm-confidence', String(result.summary.confidence));
    response.setHeader('x-rlm-approved', String(result.summary.approved));
    const content = result.summary.answer?.content ?? '';
    const chunk = answerChunk(request.model, forced.kind === 'none' ? content + (delivery.note ?? '') : '', result.summary);
    builder.push(asCall(chunk, forced, content));
    sendJson(response, 200, builder.response({ rlm: rlmObject(result.summary, delivery.marking) }));
    return;
  }

  // As the chat stream: open at once, progress as it comes (a reasoning summary here), then the answer.
  const writer = openEventStream(context);
  let queue = Promise.resolve();
  const send = (events: Record<string, unknown>[]): void => {
    queue = queue.then(async () => {
      for (const event of events) await writer.data(event);
    }).catch(() => undefined);
  };
  send(builder.start());
  const onProgress = profile.progress ? (event: { text: string }) => send(builder.reasoning(`${event.text}\n`)) : undefined;
  await failingInStream(writer, builder, async () => {
    try {
      const result = await admitted.run({ signal, ...(onProgress ? { onProgress } : {}) });
      const delivery = answerDelivery(result, profile, request);
      if (delivery.kind === 'refuse') throw delivery.error;
      await queue;
      const summary = result.summary;
      const content = summary.answer?.content ?? '';
      if (forced.kind === 'none') {
        for (const piece of contentPieces(content)) {
          for (const event of builder.push(answerChunk(request.model, piece, undefined))) await writer.data(event);
        }
      }
      const ending = asCall(answerChunk(request.model, forced.kind === 'none' ? (delivery.note ?? '') : '', summary), forced, content);
      for (const event of builder.push(ending)) await writer.data(event);
      for (const event of builder.finish({ rlm: rlmObject(summary, delivery.marking) })) await writer.data(event);
    } catch (error) {
      await queue;
      throw error;
    }
  });
}

/** A piece of the run's answer as a native chunk; with `summary`, the done chunk carrying its tool calls and usage. */
function answerChunk(model: string, content: string, summary: { answer: { toolCalls: { name: string; arguments: string }[] } | null; usage: { prompt_tokens: number; completion_tokens: number } } | undefined): OllamaChatResponse {
  const chunk: OllamaChatResponse = { model, created_at: '', message: { role: 'assistant', content }, done: summary !== undefined };
  if (summary === undefined) return chunk;
  const calls = summary.answer?.toolCalls ?? [];
  if (calls.length > 0) chunk.message.tool_calls = calls.map((call, index) => ({ function: { index, name: call.name, arguments: parseObject(call.arguments) } }));
  return { ...chunk, done_reason: 'stop', prompt_eval_count: summary.usage.prompt_tokens, eval_count: summary.usage.completion_tokens };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
