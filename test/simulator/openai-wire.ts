/**
 * The OpenAI `/v1` layer's bytes, as Ollama 0.24.0's middleware writes them (checked against the
 * real server by test/real/openai-compat.test.ts): errors as `{"error":{"message","type","param",
 * "code"}}` with the native status, and native answers turned into chat and text completions.
 * This is the older framing the reference's §10.4 version note describes: `role` on every chunk,
 * `finish_reason` on the chunk made from the native done line, no separate `delta:{}` chunk.
 */
import type { ServerResponse } from 'node:http';
import type { OllamaChatResponse, OllamaGenerateResponse, OllamaToolCall } from '../../src/types/ollama.js';
import { goJson } from './wire.js';

const FINGERPRINT = 'fp_ollama';

export interface OpenAiContext {
  /** "chatcmpl-N" or "cmpl-N" (N is 0–998 in Ollama, so not unique). */
  id: string;
  model: string;
  includeUsage: boolean;
  now: () => Date;
}

/** `rand.Intn(999)` in Ollama; from the arrival number here, so ids are predictable. */
export function openAiId(prefix: 'chatcmpl' | 'cmpl', sequence: number): string {
  return `${prefix}-${(sequence * 7919) % 999}`;
}

export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

export function errorType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 404) return 'not_found_error';
  return 'api_error';
}

/** Ollama's json.Encoder: the body ends with a newline. */
export function sendOpenAiError(response: ServerResponse, status: number, message: string): void {
  const body = `${goJson({ error: { message, type: errorType(status), param: null, code: null } })}\n`;
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

export function sendOpenAiJson(response: ServerResponse, value: unknown): void {
  const body = `${goJson(value)}\n`;
  response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

export function openAiToolCalls(calls: readonly OllamaToolCall[]): object[] {
  return calls.map((call, index) => ({
    id: call.id ?? `call_${index}`,
    index: call.function.index ?? index,
    type: 'function',
    function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments) },
  }));
}

function usage(native: { prompt_eval_count?: number; eval_count?: number }): object {
  const prompt = native.prompt_eval_count ?? 0;
  const completion = native.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function finishReason(native: { done_reason?: string }, toolCalls: boolean): string {
  if (toolCalls) return 'tool_calls';
  return native.done_reason === undefined || native.done_reason === '' ? 'stop' : native.done_reason;
}

/** One chat chunk from one native line; `toolCalls`: whether any call was streamed so far. */
export function chatChunk(context: OpenAiContext, native: OllamaChatResponse, toolCalls: boolean): object {
  const { message } = native;
  const delta: Record<string, unknown> = { role: 'assistant', content: message?.content ?? '' };
  if (message?.thinking) delta.reasoning = message.thinking;
  if (message?.tool_calls && message.tool_calls.length > 0) delta.tool_calls = openAiToolCalls(message.tool_calls);
  const choice: Record<string, unknown> = { index: 0, delta, finish_reason: native.done ? finishReason(native, toolCalls) : null };
  if (native.logprobs && native.logprobs.length > 0) choice.logprobs = { content: native.logprobs };
  return { id: context.id, object: 'chat.completion.chunk', created: unixSeconds(context.now()), model: context.model, system_fingerprint: FINGERPRINT, choices: [choice] };
}

/** What Ollama writes when an error line follows the first chunk: an empty chunk, and then nothing. */
export function chatErrorChunk(context: OpenAiContext): object {
  return {
    id: context.id,
    object: 'chat.completion.chunk',
    created: unixSeconds(context.now()),
    model: '',
    system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
  };
}

export function usageChunk(context: OpenAiContext, object: string, native: { prompt_eval_count?: number; eval_count?: number }): object {
  const base = { id: context.id, object, created: unixSeconds(context.now()) };
  // The completion chunk's keys come in another order (choices before model), as Ollama's struct has them.
  return object === 'text_completion' ?
      { ...base, choices: [], model: context.model, system_fingerprint: FINGERPRINT, usage: usage(native) }
    : { ...base, model: context.model, system_fingerprint: FINGERPRINT, choices: [], usage: usage(native) };
}

export function chatCompletion(context: OpenAiContext, native: OllamaChatResponse): object {
  const { message } = native;
  const calls = message?.tool_calls ?? [];
  const reply: Record<string, unknown> = { role: 'assistant', content: message?.content ?? '' };
  if (message?.thinking) reply.reasoning = message.thinking;
  if (calls.length > 0) reply.tool_calls = openAiToolCalls(calls);
  const choice: Record<string, unknown> = { index: 0, message: reply, finish_reason: native.done ? finishReason(native, calls.length > 0) : null };
  if (native.logprobs && native.logprobs.length > 0) choice.logprobs = { content: native.logprobs };
  return {
    id: context.id,
    object: 'chat.completion',
    created: unixSeconds(context.now()),
    model: context.model,
    system_fingerprint: FINGERPRINT,
    choices: [choice],
    usage: usage(native),
  };
}

export function completionChunk(context: OpenAiContext, native: OllamaGenerateResponse): object {
  return {
    id: context.id,
    object: 'text_completion',
    created: unixSeconds(context.now()),
    choices: [{ text: native.response ?? '', index: 0, finish_reason: native.done ? finishReason(native, false) : null }],
    model: context.model,
    system_fingerprint: FINGERPRINT,
    // Ollama 0.24.0 puts zero usage on every chunk when usage was asked for; the real one comes last.
    ...(context.includeUsage && { usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } }),
  };
}

export function textCompletion(context: OpenAiContext, native: OllamaGenerateResponse): object {
  return {
    id: context.id,
    object: 'text_completion',
    created: unixSeconds(context.now()),
    model: context.model,
    system_fingerprint: FINGERPRINT,
    choices: [{ text: native.response ?? '', index: 0, finish_reason: native.done ? finishReason(native, false) : null }],
    usage: usage(native),
  };
}
