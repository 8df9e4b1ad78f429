/**
 * Folds a native stream into the single object Ollama itself returns for `stream: false` (§3.4,
 * §4.2): text fields concatenated, tool calls and logprobs appended, everything else from the last
 * chunk. The adapter always streams upstream, so silence can be timed and a cancel stops generation.
 * The folds take one chunk at a time, so the client can feed them straight from the lines it reads,
 * without an async iterator between (for a non-streaming answer that was one await per token).
 */
import type { OllamaChatResponse, OllamaGenerateResponse } from '../types/ollama.js';

export interface Fold<T> {
  push(chunk: T): void;
  /** The folded answer; throws when no chunk was pushed. */
  result(): T;
}

export function chatFold(): Fold<OllamaChatResponse> {
  let content = '';
  let thinking = '';
  const toolCalls: NonNullable<OllamaChatResponse['message']['tool_calls']> = [];
  const logprobs: NonNullable<OllamaChatResponse['logprobs']> = [];
  let last: OllamaChatResponse | undefined;
  return {
    push(chunk) {
      content += chunk.message?.content ?? '';
      thinking += chunk.message?.thinking ?? '';
      if (chunk.message?.tool_calls) toolCalls.push(...chunk.message.tool_calls);
      if (chunk.logprobs) logprobs.push(...chunk.logprobs);
      last = chunk;
    },
    result() {
      if (last === undefined) throw new Error('aggregateChat: the stream yielded nothing');
      const message: OllamaChatResponse['message'] = { role: 'assistant', content };
      if (thinking !== '') message.thinking = thinking;
      if (toolCalls.length > 0) message.tool_calls = toolCalls;
      const result: OllamaChatResponse = { ...last, message };
      if (logprobs.length > 0) result.logprobs = logprobs;
      return result;
    },
  };
}

export function generateFold(): Fold<OllamaGenerateResponse> {
  let response = '';
  let thinking = '';
  let last: OllamaGenerateResponse | undefined;
  return {
    push(chunk) {
      response += chunk.response ?? '';
      thinking += chunk.thinking ?? '';
      last = chunk;
    },
    result() {
      if (last === undefined) throw new Error('aggregateGenerate: the stream yielded nothing');
      const result: OllamaGenerateResponse = { ...last, response };
      if (thinking !== '') result.thinking = thinking;
      else delete result.thinking;
      return result;
    },
  };
}

export async function aggregateChat(chunks: AsyncIterable<OllamaChatResponse>): Promise<OllamaChatResponse> {
  const fold = chatFold();
  for await (const chunk of chunks) fold.push(chunk);
  return fold.result();
}

export async function aggregateGenerate(chunks: AsyncIterable<OllamaGenerateResponse>): Promise<OllamaGenerateResponse> {
  const fold = generateFold();
  for await (const chunk of chunks) fold.push(chunk);
  return fold.result();
}
