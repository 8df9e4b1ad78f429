/**
 * What an OpenAI-compatible server streams, as loosely as servers differ (vLLM, llama.cpp, LM
 * Studio, SGLang, Ollama's own /v1): every field optional, checked where it is read. An event
 * that is an error (`{"error":{…}}`, as vLLM and llama.cpp send once a stream has started) is
 * thrown as the backend's error, and one that is not an object is a broken protocol.
 */
import { errorMessageOf } from '../upstream-errors.js';
import { UpstreamError, UpstreamProtocolError } from '../../utils/errors.js';
import type { StreamUsage } from './stream-ending.js';

export interface StreamToolCallDelta {
  index?: number;
  id?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

export interface StreamLogprob {
  token?: string;
  logprob?: number;
  bytes?: number[] | null;
  top_logprobs?: { token?: string; logprob?: number; bytes?: number[] | null }[] | null;
}

export interface StreamChoice {
  index?: number;
  /** Chat. */
  delta?: {
    content?: string | null;
    /** vLLM, DeepSeek, SGLang. */
    reasoning_content?: string | null;
    /** Ollama's /v1, OpenRouter. */
    reasoning?: string | null;
    tool_calls?: StreamToolCallDelta[] | null;
  } | null;
  /** Completions. */
  text?: string | null;
  finish_reason?: string | null;
  logprobs?: { content?: StreamLogprob[] | null } | null;
}

export interface CompletionChunk {
  choices?: StreamChoice[] | null;
  usage?: StreamUsage | null;
}

export function toCompletionChunk(value: unknown, server: string): CompletionChunk {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UpstreamProtocolError(`${server} sent a stream event that is not a JSON object: ${JSON.stringify(value).slice(0, 200)}`);
  }
  const message = errorMessageOf(value);
  if (message !== undefined) {
    const code = (value as { error: { code?: unknown } }).error?.code;
    // The stream's status was 200; its error's own code, when it is an HTTP status, says more.
    const status = typeof code === 'number' && code >= 400 && code <= 599 ? code : 500;
    throw new UpstreamError(status >= 500 ? `${server} failed mid-stream: ${message}` : message, status);
  }
  return value as CompletionChunk;
}
