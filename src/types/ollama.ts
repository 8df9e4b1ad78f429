/**
 * Ollama's native wire types (`/api/*`), keeping the wire's own snake_case names.
 * Source: docs/reference/ollama-protocol.md (Ollama v0.33 HEAD, with older-version notes).
 */

/** Sampling and runner options (§5). Unknown keys are ignored by Ollama. */
export interface OllamaOptions {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  seed?: number;
  /** -1 means unbounded; reaching it gives done_reason "length". */
  num_predict?: number;
  /** Changing it from the loaded value forces a model reload. */
  num_ctx?: number;
  /** Must be an array: a bare string is a 500 upstream. */
  stop?: string[];
  repeat_penalty?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  [key: string]: unknown;
}

export interface OllamaToolCall {
  /** Absent before v0.12.10; opaque otherwise. */
  id?: string;
  function: {
    index?: number;
    name: string;
    /** A JSON object on the native wire, never a string. */
    arguments: Record<string, unknown>;
  };
}

export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  thinking?: string;
  /** Raw standard base64, no `data:` prefix. */
  images?: string[];
  tool_calls?: OllamaToolCall[];
  tool_name?: string;
  tool_call_id?: string;
}

export interface OllamaToolDefinition {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
  };
}

/** `think` accepts a boolean or a level. */
export type OllamaThink = boolean | 'low' | 'medium' | 'high' | 'max';

/** `format` is "json" or a JSON schema object. */
export type OllamaFormat = 'json' | Record<string, unknown>;

/** `keep_alive`: a number is seconds; a string is a Go duration ("5m"). */
export type OllamaKeepAlive = string | number;

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  tools?: OllamaToolDefinition[];
  format?: OllamaFormat;
  options?: OllamaOptions;
  /** Defaults to true on the native API when absent. */
  stream?: boolean;
  keep_alive?: OllamaKeepAlive;
  think?: OllamaThink;
  logprobs?: boolean;
  top_logprobs?: number;
}

export interface OllamaLogprob {
  token: string;
  logprob: number;
  bytes?: number[];
  top_logprobs?: { token: string; logprob: number; bytes?: number[] }[];
}

/** Metrics appear only on the final `done: true` chunk; durations are nanoseconds. */
export interface OllamaMetrics {
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
}

/** "stop" | "length" | "load" | "unload"; may be absent (treat as unknown/stop). */
export type OllamaDoneReason = 'stop' | 'length' | 'load' | 'unload' | (string & {});

export interface OllamaChatResponse extends OllamaMetrics {
  model: string;
  created_at: string;
  message: OllamaMessage;
  done: boolean;
  done_reason?: OllamaDoneReason;
  logprobs?: OllamaLogprob[];
}

export interface OllamaGenerateRequest {
  model: string;
  prompt?: string;
  suffix?: string;
  system?: string;
  template?: string;
  /** true: the prompt is sent as-is and no `context` is returned. */
  raw?: boolean;
  images?: string[];
  format?: OllamaFormat;
  options?: OllamaOptions;
  stream?: boolean;
  keep_alive?: OllamaKeepAlive;
  think?: OllamaThink;
}

export interface OllamaGenerateResponse extends OllamaMetrics {
  model: string;
  created_at: string;
  response: string;
  thinking?: string;
  done: boolean;
  done_reason?: OllamaDoneReason;
  context?: number[];
}

export interface OllamaEmbedRequest {
  model: string;
  input: string | string[];
  truncate?: boolean;
  dimensions?: number;
  keep_alive?: OllamaKeepAlive;
  options?: OllamaOptions;
}

export interface OllamaEmbedResponse {
  model: string;
  /** Always 2-D, L2-normalised, in input order. */
  embeddings: number[][];
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
}

export interface OllamaModelDetails {
  parent_model: string;
  format: string;
  family: string;
  families: string[] | null;
  parameter_size: string;
  quantization_level: string;
  context_length?: number;
  embedding_length?: number;
}

export interface OllamaTagModel {
  name: string;
  model: string;
  /** Local time with an offset, e.g. "2024-06-04T14:38:31.83753-07:00". */
  modified_at: string;
  size: number;
  digest: string;
  details: OllamaModelDetails;
  /** Newer servers only. */
  capabilities?: string[];
}

export interface OllamaTagsResponse {
  models: OllamaTagModel[];
}

export interface OllamaShowRequest {
  model: string;
  verbose?: boolean;
}

export interface OllamaShowResponse {
  license?: string;
  modelfile?: string;
  parameters?: string;
  template?: string;
  details: OllamaModelDetails;
  model_info: Record<string, unknown>;
  tensors?: { name: string; type: string; shape: number[] }[];
  /** completion, tools, insert, vision, embedding, thinking, image, audio. */
  capabilities?: string[];
  modified_at?: string;
}

export interface OllamaVersionResponse {
  version: string;
}

/** Every native error body, before or after streaming starts. */
export interface OllamaErrorBody {
  error: string;
}
