/**
 * Native /api/chat stream chunks -> OpenAI chat.completion.chunk objects (docs/reference/clients.md §0 items 7–10).
 *
 * - Reasoning and content never share a delta: Continue keeps `content` and drops the reasoning of a
 *   mixed delta, so a native chunk with both becomes two chunks, reasoning first.
 * - No chunk carries a `usage` key except the final usage chunk: Continue withholds every chunk that
 *   has one (and Ollama's /v1 layer shows the same choice).
 * - Each tool call is sent whole in its own delta, with a fresh unique id, its type and name, and an
 *   index that runs across the whole stream (Copilot keys calls by id, openai-node's helper by index).
 */
import type { OpenAIChatCompletionChunk, OpenAIChoiceLogprobs, OpenAIChunkDelta, OpenAIFinishReason, OpenAIUsage } from '../../types/openai.js';
import type { OllamaChatResponse } from '../../types/ollama.js';
import { toFinishReason, toOpenAILogprobs, toOpenAIToolCalls, toUsage } from './chat-response.js';
import type { ChatResponseContext } from './chat-response.js';

export interface ChatChunkStream {
  /** The first chunk, `{role:'assistant', content:''}`, sent as soon as the stream opens. */
  start(): OpenAIChatCompletionChunk;
  /** Zero or more chunks for one native chunk, including the done chunk's own text and tool calls. */
  push(chunk: OllamaChatResponse): OpenAIChatCompletionChunk[];
  /** The finish chunk and, with includeUsage, the usage chunk; call after the done chunk was pushed. */
  finish(): OpenAIChatCompletionChunk[];
  /** A chunk whose delta is `{reasoning_content: text}` (pipeline progress, for instance). */
  reasoning(text: string): OpenAIChatCompletionChunk;
}

export function createChatChunkStream(context: ChatResponseContext & { includeUsage: boolean }): ChatChunkStream {
  let nextToolCallIndex = 0;
  let doneChunk: OllamaChatResponse | undefined;

  function chunk(delta: OpenAIChunkDelta, finishReason: OpenAIFinishReason | null = null, logprobs: OpenAIChoiceLogprobs | null = null): OpenAIChatCompletionChunk {
    return {
      id: context.id,
      object: 'chat.completion.chunk',
      created: context.created,
      model: context.model,
      choices: [{ index: 0, delta, logprobs, finish_reason: finishReason }],
    };
  }

  function usageChunk(usage: OpenAIUsage): OpenAIChatCompletionChunk {
    return { id: context.id, object: 'chat.completion.chunk', created: context.created, model: context.model, choices: [], usage };
  }

  return {
    start: () => chunk({ role: 'assistant', content: '' }),

    push(native) {
      const chunks: OpenAIChatCompletionChunk[] = [];
      const { thinking, content } = native.message;
      if (thinking !== undefined && thinking !== '') chunks.push(chunk({ reasoning_content: thinking }));
      if (content !== undefined && content !== '') chunks.push(chunk({ content }, null, toOpenAILogprobs(native.logprobs)));
      const calls = native.message.tool_calls;
      if (calls !== undefined && calls.length > 0) {
        for (const call of toOpenAIToolCalls(calls, context.newToolCallId)) {
          chunks.push(chunk({ tool_calls: [{ index: nextToolCallIndex, ...call }] }));
          nextToolCallIndex += 1;
        }
      }
      if (native.done) doneChunk = native;
      return chunks;
    },

    finish() {
      const finishReason = toFinishReason(doneChunk?.done_reason, nextToolCallIndex > 0);
      const chunks = [chunk({}, finishReason)];
      if (context.includeUsage) chunks.push(usageChunk(toUsage(doneChunk ?? {})));
      return chunks;
    },

    reasoning: (text) => chunk({ reasoning_content: text }),
  };
}
