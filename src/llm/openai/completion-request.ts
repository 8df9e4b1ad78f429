/**
 * An Ollama-native generate request as the body of an OpenAI `POST /v1/completions`: the prompt as
 * it is, the suffix for fill-in-the-middle, the same sampling fields and format as chat, always
 * streamed with usage. OpenAI's completions have no template, system prompt or context: the prompt
 * is sent as written, which is native raw mode; `system`, `template`, `context` and `images` have
 * nowhere to go and are dropped, as the Ollama-only hints are.
 */
import type { OllamaGenerateRequest } from '../../types/ollama.js';
import { responseFormat, type ResponseFormat } from './response-format.js';
import { samplingFields, type SamplingFields } from './sampling-fields.js';

export interface CompletionBody extends SamplingFields {
  model: string;
  prompt: string;
  suffix?: string;
  stream: true;
  stream_options: { include_usage: true };
  /** Not in OpenAI's completions; vLLM and llama.cpp's server honour it there, others ignore it. */
  response_format?: ResponseFormat;
}

export function toCompletionBody(request: OllamaGenerateRequest): CompletionBody {
  const body: CompletionBody = {
    model: request.model,
    prompt: request.prompt ?? '',
    stream: true,
    stream_options: { include_usage: true },
    ...samplingFields(request.options),
  };
  if (typeof request.suffix === 'string' && request.suffix !== '') body.suffix = request.suffix;
  const format = responseFormat(request.format);
  if (format !== undefined) body.response_format = format;
  return body;
}
