/** The validated server configuration: what flags and environment resolve to at start. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface ServerConfig {
  /** Address to bind; 127.0.0.1 unless told otherwise. */
  host: string;
  /** Port to bind; 0 picks a free one (tests). */
  port: number;
  /** When set, every route but OPTIONS and /health needs `Authorization: Bearer <apiKey>`. */
  apiKey: string | undefined;
  /** Allows a non-loopback bind without an API key. */
  insecure: boolean;
  /** Ollama's base URL, normalised by Ollama's own OLLAMA_HOST rules, without a trailing slash. */
  ollamaUrl: string;
  logLevel: LogLevel;
  /** num_ctx sent with every chat request so Ollama does not silently truncate at its default; 0 = leave it to Ollama. */
  numCtx: number;
  /** Longest the backend may stay silent (before headers, or between stream chunks) before a 504. */
  upstreamTimeoutMs: number;
  /** Largest request body accepted, in bytes (413 beyond). */
  maxBodyBytes: number;
  /** Bytes of request bodies held at once across all requests (503 with Retry-After beyond). */
  maxBodyTotalBytes: number;
  /** Browser origins allowed besides local ones (exact "scheme://host[:port]" strings, or "*"). */
  allowedOrigins: string[];
  /** Host names accepted in the Host header on a loopback bind, besides local names (e.g. a tunnel's public name). */
  allowedHosts: string[];
  /** Longest a stream stays silent before a `: keep-alive` comment goes out. */
  keepAliveMs: number;
  /** Vectors kept by the /v1/embeddings cache (0 turns it off). */
  embeddingCacheEntries: number;
  /** Where run traces and retrieval indexes live. */
  dataDir: string;
  /** The pipeline config file as given (RLM_CONFIG / --config), or '' for ./rlm.config.json if present. */
  configPath: string;
  /** Forward Ollama's model management routes (/api/pull, /api/create, /api/delete, /api/copy, /api/push); off: 403. */
  allowModelManagement: boolean;
}
