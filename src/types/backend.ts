/**
 * The model servers rlm stands in front of: `backends` in rlm.config.json, or, without it, the one
 * `--ollama-host` as the backend named `ollama`. Plain data, resolved at start (an `apiKeyEnv` is
 * read into `apiKey` then).
 */

/** `ollama`: Ollama's native /api. `openai`: an OpenAI-compatible /v1 (vLLM, llama.cpp's server, LM Studio, SGLang, Ollama's own /v1). */
export type BackendType = 'ollama' | 'openai';

/** Request features an OpenAI-compatible server may lack; such requests are refused before they are sent. */
export type BackendFeature = 'structured' | 'tools' | 'logprobs' | 'completions' | 'embeddings';

export interface BackendConfig {
  /** The key in `backends`; `backend/model` pins a model to it. */
  name: string;
  type: BackendType;
  /** Base URL without a trailing slash (for `openai`, without the `/v1`). */
  url: string;
  /** Sent as `Authorization: Bearer …` (openai backends), or undefined. */
  apiKey: string | undefined;
  /** The models it serves, when its own list should not be trusted; null: discovered. */
  models: string[] | null;
  /** Requests in flight at once on it; beyond, they wait in the pool's queue. null: unbounded. */
  maxConcurrent: number | null;
  /** Longest silence (before headers or between chunks) before the request counts as timed out; null: the server's --upstream-timeout. */
  timeoutMs: number | null;
  /** Features it does not offer (openai backends; an Ollama backend offers all). */
  unsupported: BackendFeature[];
}
