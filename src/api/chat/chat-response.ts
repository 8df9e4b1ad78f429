/**
 * Native /api/chat answers -> OpenAI chat.completion objects (the non-streaming shape), plus the
 * finish-reason, usage and tool-call conversions the stream shares.
 */
import type { OpenAIAssistantMessage, OpenAIChatCompletion, OpenAIChoiceLogprobs, OpenAIFinishReason, OpenAIToolCall, OpenAIUsage } from '../../types/openai.js';
import type { OllamaChatResponse, OllamaLogprob, OllamaMetrics, OllamaToolCall } from '../../types/ollama.js';

export interface ChatResponseContext {
  id: string;
  created: number;
  /** Echoed as the client requested it, not Ollama's resolved name. */
  model: string;
  newToolCallId: () => string;
}

export function toChatCompletion(response: OllamaChatResponse, context: ChatResponseContext): OpenAIChatCompletion {
  const calls = response.message.tool_calls ?? [];
  const toolCalls = toOpenAIToolCalls(calls, context.newToolCallId);
  const text = response.message.content ?? '';
  const message: OpenAIAssistantMessage = {
    role: 'assistant',
    // OpenAI sends null, not "", for a turn that only calls tools; some clients test `content === null`.
    content: toolCalls.length > 0 && text === '' ? null : text,
  };
  const thinking = response.message.thinking;
  if (thinking !== undefined && thinking !== '') message.reasoning_content = thinking;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    choices: [{ index: 0, message, logprobs: toOpenAILogprobs(response.logprobs), finish_reason: toFinishReason(response.done_reason, toolCalls.length > 0) }],
    usage: toUsage(response),
  };
}

/**
 * Ollama's `logprobs` (v0.12.11 on: one entry per token, `bytes` and `top_logprobs` inside) in
 * OpenAI's shape; null when there are none, as OpenAI sends for a request that did not ask.
 */
export function toOpenAILogprobs(logprobs: readonly OllamaLogprob[] | undefined): OpenAIChoiceLogprobs | null {
  if (logprobs === undefined || logprobs.length === 0) return null;
  return {
    content: logprobs.map((entry) => ({
      token: entry.token,
      logprob: entry.logprob,
      bytes: entry.bytes ?? null,
      top_logprobs: (entry.top_logprobs ?? []).map((top) => ({ token: top.token, logprob: top.logprob, bytes: top.bytes ?? null })),
    })),
    refusal: null,
  };
}

/**
 * "length" (num_predict or the context limit was hit) stays "length" even with tool calls, because a
 * call cut off by the limit is the thing the client must learn about. Native tool calls finish with
 * "stop"; OpenAI clients expect "tool_calls". Everything else ("stop", absent, "load", "unload") is "stop".
 */
export function toFinishReason(doneReason: string | undefined, hasToolCalls: boolean): OpenAIFinishReason {
  if (doneReason === 'length') return 'length';
  return hasToolCalls ? 'tool_calls' : 'stop';
}

export function toUsage(metrics: OllamaMetrics): OpenAIUsage {
  const promptTokens = metrics.prompt_eval_count ?? 0;
  const completionTokens = metrics.eval_count ?? 0;
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/**
 * Ids are always fresh: Ollama's are absent before v0.12.10 and only 8 random characters after, and
 * clients such as Copilot key calls by id across the whole conversation.
 */
export function toOpenAIToolCalls(calls: readonly OllamaToolCall[], newToolCallId: () => string): OpenAIToolCall[] {
  return calls.map((call) => ({
    id: newToolCallId(),
    type: 'function',
    function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) },
  }));
}
