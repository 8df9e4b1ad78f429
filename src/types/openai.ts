/**
 * OpenAI HTTP API wire types, as the clients in docs/reference/clients.md send and read them.
 * Request types are deliberately loose (`unknown` where clients disagree) because the handlers
 * validate them; response types are exact, because clients parse them strictly.
 */

export interface OpenAITextPart {
  type: 'text';
  text: string;
}

export interface OpenAIImagePart {
  type: 'image_url';
  /** A string or `{url}`; only `data:` URLs are usable locally. */
  image_url: string | { url: string; detail?: string };
}

export type OpenAIContentPart = OpenAITextPart | OpenAIImagePart | { type: string; [key: string]: unknown };

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: {
    name: string;
    /** A JSON-encoded string, never an object. */
    arguments: string;
  };
}

export type OpenAIRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface OpenAIChatMessage {
  role: OpenAIRole;
  content?: string | OpenAIContentPart[] | null;
  name?: string;
  tool_calls?: OpenAIToolCall[];
  tool_call_id?: string;
  /** Reasoning from earlier assistant turns, as different clients name it. */
  reasoning_content?: string;
  reasoning?: string;
}

export interface OpenAIToolDefinition {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export type OpenAIResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name?: string; schema?: Record<string, unknown>; strict?: boolean } };

export type OpenAIReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export interface OpenAIChatCompletionRequest {
  model: string;
  messages: OpenAIChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  response_format?: OpenAIResponseFormat | null;
  tools?: OpenAIToolDefinition[] | null;
  tool_choice?: unknown;
  reasoning_effort?: OpenAIReasoningEffort | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  /** Everything else a client sends (user, n, metadata, prediction, …) is accepted and ignored. */
  [key: string]: unknown;
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls';

export interface OpenAIAssistantMessage {
  role: 'assistant';
  content: string | null;
  reasoning_content?: string;
  tool_calls?: OpenAIToolCall[];
}

/** One generated token's log probability and its most likely alternatives, as OpenAI sends them. */
export interface OpenAITokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: { token: string; logprob: number; bytes: number[] | null }[];
}

/** A choice's `logprobs`: null unless the client asked for them (and the backend gave them). */
export interface OpenAIChoiceLogprobs {
  content: OpenAITokenLogprob[] | null;
  refusal: null;
}

export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint?: string;
  choices: {
    index: number;
    message: OpenAIAssistantMessage;
    logprobs: OpenAIChoiceLogprobs | null;
    finish_reason: OpenAIFinishReason;
  }[];
  usage: OpenAIUsage;
  [extension: string]: unknown;
}

export interface OpenAIStreamToolCall {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface OpenAIChunkDelta {
  role?: 'assistant';
  content?: string;
  reasoning_content?: string;
  tool_calls?: OpenAIStreamToolCall[];
}

export interface OpenAIChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint?: string;
  choices: {
    index: number;
    delta: OpenAIChunkDelta;
    logprobs: OpenAIChoiceLogprobs | null;
    finish_reason: OpenAIFinishReason | null;
  }[];
  /** Only on the final usage chunk, whose `choices` is `[]`. */
  usage?: OpenAIUsage;
}

export interface OpenAICompletionRequest {
  model: string;
  prompt: string | string[];
  suffix?: string | null;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  [key: string]: unknown;
}

export interface OpenAICompletionChoice {
  index: number;
  text: string;
  logprobs: null;
  finish_reason: 'stop' | 'length' | null;
}

export interface OpenAICompletion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  system_fingerprint?: string;
  choices: OpenAICompletionChoice[];
  usage?: OpenAIUsage;
}

export interface OpenAIEmbeddingRequest {
  model: string;
  input: string | string[];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  [key: string]: unknown;
}

export interface OpenAIEmbedding {
  object: 'embedding';
  index: number;
  /** float array, or base64 of little-endian float32 bytes when asked for "base64". */
  embedding: number[] | string;
}

export interface OpenAIEmbeddingResponse {
  object: 'list';
  data: OpenAIEmbedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface OpenAIModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface OpenAIModelList {
  object: 'list';
  data: OpenAIModel[];
}

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'api_error';

export interface OpenAIErrorBody {
  error: {
    message: string;
    type: OpenAIErrorType;
    param: string | null;
    code: string | null;
  };
}
