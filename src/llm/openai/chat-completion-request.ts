/**
 * An Ollama-native chat request as the body of an OpenAI `POST /v1/chat/completions`. It always
 * streams with usage, so the client can time silence and cancel as it does against Ollama.
 * Ollama-only hints (`keep_alive`, `think`, `options.num_ctx`) have no OpenAI field and are dropped.
 */
import type { OllamaChatRequest, OllamaMessage, OllamaToolDefinition } from '../../types/ollama.js';
import { responseFormat, type ResponseFormat } from './response-format.js';
import { samplingFields, type SamplingFields } from './sampling-fields.js';

export type ChatContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface ChatCompletionToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletionMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | ChatContentPart[];
  tool_calls?: ChatCompletionToolCall[];
  tool_call_id?: string;
}

export interface ChatCompletionBody extends SamplingFields {
  model: string;
  messages: ChatCompletionMessage[];
  stream: true;
  stream_options: { include_usage: true };
  response_format?: ResponseFormat;
  tools?: OllamaToolDefinition[];
  logprobs?: true;
  top_logprobs?: number;
}

export function toChatCompletionBody(request: OllamaChatRequest): ChatCompletionBody {
  const body: ChatCompletionBody = {
    model: request.model,
    messages: toMessages(request.messages),
    stream: true,
    stream_options: { include_usage: true },
    ...samplingFields(request.options),
  };
  const format = responseFormat(request.format);
  if (format !== undefined) body.response_format = format;
  // The native tool definition is OpenAI's own shape.
  if (request.tools !== undefined && request.tools.length > 0) body.tools = request.tools;
  if (request.logprobs === true) {
    body.logprobs = true;
    if (typeof request.top_logprobs === 'number' && request.top_logprobs > 0) body.top_logprobs = request.top_logprobs;
  }
  return body;
}

/**
 * OpenAI links a tool result to its call by id. A native history may lack ids (Ollama before
 * v0.12.10, or a caller's own messages): such calls get one made from their place, and a result
 * without `tool_call_id` takes the id of the latest unanswered call of its `tool_name`.
 */
function toMessages(messages: readonly OllamaMessage[]): ChatCompletionMessage[] {
  const unanswered: { id: string; name: string }[] = [];
  return messages.map((message, position) => {
    const role = message.role;
    if (role === 'assistant' && message.tool_calls !== undefined && message.tool_calls.length > 0) {
      const toolCalls = message.tool_calls.map((call, index): ChatCompletionToolCall => {
        const id = call.id !== undefined && call.id !== '' ? call.id : `call_${position}_${index}`;
        unanswered.push({ id, name: call.function.name });
        return { id, type: 'function', function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) } };
      });
      return { role, content: message.content ?? '', tool_calls: toolCalls };
    }
    if (role === 'tool') {
      const id = message.tool_call_id ?? answeredCall(unanswered, message.tool_name);
      return { role, content: message.content ?? '', ...(id !== undefined && { tool_call_id: id }) };
    }
    if (message.images !== undefined && message.images.length > 0) {
      const parts: ChatContentPart[] = message.content ? [{ type: 'text', text: message.content }] : [];
      for (const image of message.images) parts.push({ type: 'image_url', image_url: { url: `data:${imageType(image)};base64,${image}` } });
      return { role, content: parts };
    }
    return { role, content: message.content ?? '' };
  });
}

function answeredCall(unanswered: { id: string; name: string }[], name: string | undefined): string | undefined {
  for (let index = unanswered.length - 1; index >= 0; index--) {
    const call = unanswered[index]!;
    if (name === undefined || call.name === name) {
      unanswered.splice(index, 1);
      return call.id;
    }
  }
  return undefined;
}

/** The media type from the image's first bytes, as base64 shows them; PNG when unknown. */
function imageType(base64: string): string {
  if (base64.startsWith('/9j/')) return 'image/jpeg';
  if (base64.startsWith('R0lGOD')) return 'image/gif';
  if (base64.startsWith('UklGR')) return 'image/webp';
  return 'image/png';
}
