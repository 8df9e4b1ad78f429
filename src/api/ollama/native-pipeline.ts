/**
 * A virtual model on /api/chat or /api/generate: the pipeline, answered in Ollama's own format.
 * Everything that can be refused (schemas, missing profile models, a full queue) is refused before
 * any byte is written, as on /v1. Streaming: the status line waits for the first line for at most
 * one keep-alive interval, like Ollama's own; stage progress goes out as `thinking` only when the
 * client asked to think; the answer follows as content pieces at word boundaries; the final
 * `done: true` object carries `done_reason`, Ollama's counts and durations summed over the run, and
 * an extra `rlm` summary. Without streaming, one object with all of it. The run id is the
 * `x-rlm-run-id` header either way.
 */
import type { ServerResponse } from 'node:http';
import { assertCheckableSchemas } from '../../orchestrator/checks/client-schemas.js';
import type { PipelineResult, RunSummary } from '../../orchestrator/loop/types.js';
import type { RequestContext } from '../../server/context.js';
import type { OllamaToolCall } from '../../types/ollama.js';
import type { OpenAIChatCompletionRequest } from '../../types/openai.js';
import type { Profile } from '../../types/profile.js';
import { contentPieces, rlmObject } from '../chat/pipeline-chat.js';
import { answerDelivery, type AnswerDelivery } from '../chat/unapproved-answer.js';
import { runMetrics, sendNativeJson, type NativeShape } from './native-chunks.js';
import { createNdjsonStream } from './native-stream.js';

export interface NativePipelineRun {
  request: OpenAIChatCompletionRequest;
  profile: Profile;
  /** Show stage progress as `thinking`: the client sent `think`. */
  think: boolean;
  stream: boolean;
  shape: NativeShape;
}

export async function runNativePipeline(context: RequestContext, run: NativePipelineRun): Promise<void> {
  const { app, signal, response } = context;
  const { request, profile, shape } = run;
  const pipeline = app.pipeline;
  assertCheckableSchemas(request);
  const hasTools = Array.isArray(request.tools) && request.tools.length > 0;
  await pipeline.checkProfileModels(profile, signal, { tools: hasTools });
  // The place is taken and the run recorded before any header is sent, so the id names a run.
  const admitted = await pipeline.admit({ runId: pipeline.newRunId(), profile, requestedModel: request.model, request });
  Object.assign(context.logFields, { run_id: admitted.runId, profile: profile.name });
  response.setHeader('x-rlm-run-id', admitted.runId);
  const showProgress = run.think && profile.progress;

  if (!run.stream) {
    const progress: string[] = [];
    const result = await admitted.run({ signal, ...(showProgress ? { onProgress: (event: { text: string }) => progress.push(`${event.text}\n`) } : {}) });
    const delivery = deliverable(response, result, profile, request);
    const content = (result.summary.answer?.content ?? '') + (delivery.note ?? '');
    sendNativeJson(response, 200, shape.final({ ...finalFields(result, delivery, app.newId), content, thinking: progress.join('') }));
    return;
  }

  const { keepAliveMs } = app.config;
  const stream = createNdjsonStream(response, { signal, holdMs: keepAliveMs, keepAliveMs, keepAlive: () => shape.chunk({}) });
  // Progress is queued and written as it comes; the run never waits on the client.
  const onProgress = showProgress ? (event: { text: string }) => stream.send(shape.chunk({ thinking: `${event.text}\n` })) : undefined;
  let result: PipelineResult;
  let delivery: Extract<AnswerDelivery, { kind: 'send' }>;
  try {
    result = await admitted.run({ signal, ...(onProgress ? { onProgress } : {}) });
    delivery = deliverable(response, result, profile, request);
  } catch (error) {
    // Not yet open: the failure goes out with its own status. Open: after the progress already
    // queued, as Ollama's trailing error line.
    if (stream.opened) await stream.flush();
    else stream.discard();
    throw error;
  }
  await stream.flush();
  for (const piece of contentPieces(result.summary.answer?.content ?? '')) await stream.line(shape.chunk({ content: piece }));
  if (delivery.note !== null) await stream.line(shape.chunk({ content: delivery.note }));
  const fields = finalFields(result, delivery, app.newId);
  if (fields.toolCalls.length > 0) await stream.line(shape.chunk({ toolCalls: fields.toolCalls }));
  await stream.line(shape.final({ ...fields, content: '', toolCalls: [] }));
  await stream.end();
}

/** The delivery of an answer that may be sent; a refusal (422) is thrown. The run headers go on while they still can. */
function deliverable(response: ServerResponse, result: PipelineResult, profile: Profile, request: OpenAIChatCompletionRequest): Extract<AnswerDelivery, { kind: 'send' }> {
  setRunHeaders(response, result.summary);
  const delivery = answerDelivery(result, profile, request);
  if (delivery.kind === 'refuse') throw delivery.error;
  return delivery;
}

function finalFields(result: PipelineResult, delivery: Extract<AnswerDelivery, { kind: 'send' }>, newId: (prefix: string) => string) {
  const { summary } = result;
  const toolCalls: OllamaToolCall[] = (summary.answer?.toolCalls ?? []).map((call, index) => ({
    id: newId('call'),
    function: { index, name: call.name, arguments: parseArguments(call.arguments) },
  }));
  return { toolCalls, doneReason: 'stop', metrics: runMetrics(result.trace.attempts), rlm: rlmObject(summary, delivery.marking) };
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function setRunHeaders(response: ServerResponse, summary: RunSummary): void {
  if (response.headersSent) return;
  response.setHeader('x-rlm-confidence', String(summary.confidence));
  response.setHeader('x-rlm-approved', String(summary.approved));
}
