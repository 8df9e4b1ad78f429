/**
 * Folds a native stream into the single object Ollama itself returns for `stream: false` (§3.4,
 * §4.2): text fields concatenated, tool calls and logprobs appended, everything else from the last
 * chunk. The adapter always streams upstream, so silence can be timed and a cancel stops generation.
 */
import type { OllamaChatResponse, OllamaGenerateResponse } from '../types/ollama.js';

export async function aggregateChat(chunks: AsyncIterable<OllamaChatResponse>): Promise<OllamaChatResponse> {
  let content = '';
  let thinking = '';
  const toolCalls: NonNullable<OllamaChatResponse['message']['tool_calls']> = [];
  const logprobs: NonNullable<OllamaChatResponse['logprobs']> = [];
  let last: OllamaChatResponse | undefined;
  for await (const chunk of chunks) {
    content += chunk.message?.content ?? '';
    thinking += chunk.message?.thinking ?? '';
    if (chunk.message?.tool_calls) toolCalls.push(...chunk.message.tool_calls);
    if (chunk.logprobs) logprobs.push(...chunk.logprobs);
    last = chunk;
  }
  if (last === undefined) throw new Error('aggregateChat: the stream yielded nothing');
  const message: OllamaChatResponse['message'] = { role: 'assistant', content };
  if (thinking !== '') message.thinking = thinking;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const result: OllamaChatResponse = { ...last, message };
  if (logprobs.length > 0) result.logprobs = logprobs;
  return result;
}

export async function aggregateGenerate(chunks: AsyncIterable<OllamaGenerateResponse>): Promise<OllamaGenerateResponse> {
  let response = '';
  let thinking = '';
  let last: OllamaGenerateResponse | undefined;
  for await (const chunk of chunks) {
    response += chunk.response ?? '';
    thinking += chunk.thinking ?? '';
    last = chunk;
  }
  if (last === undefined) throw new Error('aggregateGenerate: the stream yielded nothing');
  const result: OllamaGenerateResponse = { ...last, response };
  if (thinking !== '') result.thinking = thinking;
  else delete result.thinking;
  return result;
}
