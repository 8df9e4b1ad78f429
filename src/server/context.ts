/** What every handler is given: the app's dependencies and this request's own state. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CalibrationLookup } from '../eval/calibration-store.js';
import type { BackendStatusProbe } from '../llm/backend-status.js';
import type { Backends } from './backends.js';
import type { ModelCatalog } from '../llm/model-catalog.js';
import type { EmbeddingCache } from '../index/embedding-cache.js';
import type { Retrieval } from '../index/retrieval.js';
import type { OllamaClient } from '../llm/ollama-client.js';
import type { PipelineService } from '../orchestrator/service/pipeline-service.js';
import type { ServerConfig } from '../types/config.js';
import type { Logger } from '../utils/logger.js';

/** The world, injected once: tests pass fakes (a fixed clock, counting ids, a captured log). */
export interface AppDeps {
  config: ServerConfig;
  ollama: OllamaClient;
  /** Ollama's reachability for /health, probed once for every caller (stale-while-revalidate); the first backend's with several. */
  backend: BackendStatusProbe;
  /** The model servers: the client or pool every call goes through, and each one's probe. */
  backends: Backends;
  models: ModelCatalog;
  /** Stored confidence calibrations (`rlm eval --calibrate`), re-read when they change. */
  calibrations: CalibrationLookup;
  pipeline: PipelineService;
  embeddingCache: EmbeddingCache;
  retrieval: Retrieval;
  logger: Logger;
  /** Milliseconds since the epoch. */
  now: () => number;
  newId: (prefix: string) => string;
  version: string;
  startedAt: number;
}

export interface RequestContext {
  app: AppDeps;
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  /** Path parameters captured by the route (e.g. the model id). */
  params: Record<string, string>;
  requestId: string;
  logger: Logger;
  /** Aborted when the client goes away before the answer is complete. */
  readonly signal: AbortSignal;
  /**
   * The same cancellation without an AbortSignal made for it (request-abort.ts): for rlm's own
   * upstream layer only (the pass-through paths), never for Node's or the platform's APIs. Absent
   * in contexts made by hand, where `signal` serves.
   */
  readonly cancel?: AbortSignal;
  /** Reads and parses the JSON body: 413 past the per-body limit, 503 past the server-wide body budget, 400 when empty or not JSON. */
  readJson(): Promise<unknown>;
  /** Fields that the request's log line should carry (model, stream, upstream ms…). */
  logFields: Record<string, unknown>;
}

export type Handler = (context: RequestContext) => Promise<void>;
