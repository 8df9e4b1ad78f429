/**
 * /v1/chat/completions for a virtual (pipeline) model. Non-streaming: a normal chat.completion
 * whose content is the final answer, plus an `rlm` object and x-rlm-* headers. Streaming: headers
 * at once, keep-alive comments while stages run, stage progress as reasoning_content deltas, then
 * the answer as content deltas, the finish chunk (carrying the same `rlm` object), usage, [DONE].
 * An answer the pipeline could not approve is marked, or refused, by unapproved-answer.ts; a
 * streaming run that may be refused holds its headers for one keep-alive interval.
 */
import type { ServerResponse } from 'node:http';
import { assertCheckableSchemas } from '../../orchestrator/checks/client-schemas.js';
import type { PipelineResult, RunSummary } from '../../orchestrator/loop/types.js';
import type { RequestContext } from '../../server/context.js';
import { sendJson } from '../../server/error-response.js';
import type { OllamaChatResponse } from '../../types/ollama.js';
import type { OpenAIChatCompletionRequest } from '../../types/openai.js';
import type { Profile } from '../../types/profile.js';
import { toChatCompletion, type ChatResponseContext } from './chat-response.js';
import { createChatChunkStream } from './chat-stream.js';
import { openHeldEventStream } from './held-event-stream.js';
import { answerDelivery, structuredFormat, type AnswerDelivery } from './unapproved-answer.js';

export async function handlePipelineChat(context: RequestContext, request: OpenAIChatCompletionRequest, profile: Profile): Promise<void> {
  const { app, signal, response } = context;
  const pipeline = app.pipeline;
  // Everything that can be refused is refused here, while a real status can still be sent.
  assertCheckableSchemas(request);
  const hasTools = Array.isArray(request.tools) && request.tools.length > 0 && request.tool_choice !== 'none';
  await pipeline.checkProfileModels(profile, signal, { tools: hasTools });
  // The last refusal, the 429: the place is taken and the run recorded before any header is sent,
  // so the run id below always names a run that exists.
  const admitted = await pipeline.admit({ runId: pipeline.newRunId(), profile, requestedModel: request.model, request });
  const { runId } = admitted;
  Object.assign(context.logFields, { run_id: runId, profile: profile.name });
  response.setHeader('x-rlm-run-id', runId);
  const responseContext: ChatResponseContext = {
    id: app.newId('chatcmpl'),
    created: Math.floor(app.now() / 1000),
    model: request.model,
    newToolCallId: () => app.newId('call'),
  };

  if (request.stream !== true) {
    const result = await admitted.run({ signal });
    setRunHeaders(response, result.summary);
    const delivery = answerDelivery(result, profile, request);
    if (delivery.kind === 'refuse') throw delivery.error;
    const content = (result.summary.answer?.content ?? '') + (delivery.note ?? '');
    sendJson(response, 200, { ...toChatCompletion(finalChunk(result, request.model, content), responseContext), rlm: rlmObject(result.summary, delivery.marking) });
    return;
  }

  const converter = createChatChunkStream({ ...responseContext, includeUsage: request.stream_options?.include_usage === true });
  // A run that may be refused with a 422 holds its status line for one keep-alive interval, so a
  // refusal that comes sooner is a real 422, not an error event after a 200 (held-event-stream.ts).
  const stream = openHeldEventStream(context, mayRefuseAfterRun(profile, request) ? app.config.keepAliveMs : 0);
  // Progress lines are queued in order, after the opening chunk, and written as they come; the run
  // does not wait on the client. A write that fails means the client left, which the run learns
  // from its own signal, so the run starts even then and records how it ended.
  stream.send(converter.start());
  const onProgress = profile.progress ? (event: { text: string }) => stream.send(converter.reasoning(`${event.text}\n`)) : undefined;
  let result: PipelineResult;
  let delivery: AnswerDelivery;
  try {
    result = await admitted.run({ signal, ...(onProgress ? { onProgress } : {}) });
    setRunHeaders(response, result.summary);
    delivery = answerDelivery(result, profile, request);
    if (delivery.kind === 'refuse') throw delivery.error;
  } catch (error) {
    // Still held: nothing was sent, so the refusal (or failure) goes out with its own status.
    // Otherwise it follows the progress already queued, as the stream's final error event.
    if (stream.opened) await stream.flush();
    else stream.discard();
    throw error;
  }
  await stream.flush();
  const { writer } = stream;
  for (const piece of contentPieces(result.summary.answer?.content ?? '')) await writeContent(piece);
  // The note is its own delta, after the answer and before its tool calls and the finish chunk.
  if (delivery.note !== null) await writeContent(delivery.note);
  for (const event of converter.push(finalChunk(result, request.model, ''))) await writer.data(event);
  const [finish, ...rest] = converter.finish();
  if (finish) await writer.data({ ...finish, rlm: rlmObject(result.summary, delivery.marking) });
  for (const event of rest) await writer.data(event);
  await writer.done();

  async function writeContent(piece: string): Promise<void> {
    for (const event of converter.push({ model: request.model, created_at: '', message: { role: 'assistant', content: piece }, done: false })) {
      await writer.data(event);
    }
  }
}

/**
 * Whether a run's end can still be a 422 once it has run: an answer that must parse, under a
 * profile that refuses one unapproved. (A refused tool call is a 422 too, but agents stream with
 * tools on every turn and want their progress at once; theirs is an error event.)
 */
function mayRefuseAfterRun(profile: Profile, request: OpenAIChatCompletionRequest): boolean {
  return structuredFormat(request) !== undefined && (profile.unapprovedStructured === 'error' || profile.onExhausted === 'error');
}

/** The run's answer as the native done chunk the response mappers understand. */
function finalChunk(result: PipelineResult, model: string, content: string): OllamaChatResponse {
  const { answer, usage } = result.summary;
  const message: OllamaChatResponse['message'] = { role: 'assistant', content };
  if (answer && answer.toolCalls.length > 0) {
    message.tool_calls = answer.toolCalls.map((call, index) => ({
      function: { index, name: call.name, arguments: parseArguments(call.arguments) },
    }));
  }
  return {
    model,
    created_at: '',
    message,
    done: true,
    done_reason: 'stop',
    prompt_eval_count: usage.prompt_tokens,
    eval_count: usage.completion_tokens,
  };
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** `unapproved_note` (only on an unapproved answer) says whether a note was appended to its content. */
export function rlmObject(summary: RunSummary, marking: 'note' | 'bare' | null): Record<string, unknown> {
  return {
    run_id: summary.runId,
    approved: summary.approved,
    confidence: summary.confidence,
    // Which calibration produced the number (rlm eval --calibrate), or null: the raw score as it is.
    confidence_raw: summary.rawConfidence,
    confidence_calibration: summary.calibration === null ? null : { fitted_at: summary.calibration.fittedAt, answers: summary.calibration.answers, task_hash: summary.calibration.taskHash, models: summary.calibration.models },
    attempts: summary.attempts,
    escalated: summary.escalated,
    models: summary.models,
    ...(summary.approved ? {} : { issues: summary.issues, unapproved_note: marking === 'note' }),
  };
}

/** Only while the status line is still to be sent: a held stream's refusal carries them too. */
function setRunHeaders(response: ServerResponse, summary: RunSummary): void {
  if (response.headersSent) return;
  response.setHeader('x-rlm-confidence', String(summary.confidence));
  response.setHeader('x-rlm-approved', String(summary.approved));
}

/** Splits an answer into word-boundary pieces of a few dozen characters, as a model would stream it. */
export function contentPieces(text: string, size = 32): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const word of text.match(/\s*\S+|\s+$/g) ?? []) {
    current += word;
    if (current.length >= size) {
      pieces.push(current);
      current = '';
    }
  }
  if (current !== '') pieces.push(current);
  return pieces;
}
