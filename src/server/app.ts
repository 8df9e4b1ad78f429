/** Builds the app from a config with real defaults for the world (fetch, clock, ids), and starts it. */
import { createEmbeddingCache } from '../index/embedding-cache.js';
import { createRetrieval } from '../index/retrieval.js';
import { createModelCatalog } from '../llm/model-catalog.js';
import { createCalibrationLookup } from '../eval/calibration-store.js';
import { createPipelineService } from '../orchestrator/service/pipeline-service.js';
import { readRlmConfigFile } from '../orchestrator/profiles/profile-config.js';
import { loadPrompts } from '../prompts/load.js';
import type { ServerConfig } from '../types/config.js';
import { newId as randomId } from '../utils/ids.js';
import { createLogger, type Logger } from '../utils/logger.js';
import type { BackendPool, FailoverObserver } from '../llm/pool/backend-pool.js';
import type { BackendConfig, BackendFeature } from '../types/backend.js';
import { createBackends, splitPinned } from './backends.js';
import type { AppDeps } from './context.js';
import { createHttpServer, listen, type RunningServer } from './http-server.js';
import { ROUTES } from './routes.js';
import { VERSION } from '../version.js';

export interface AppOverrides {
  fetch?: typeof fetch;
  now?: () => number;
  newId?: (prefix: string) => string;
  logger?: Logger;
  /** Directory of the pipeline prompts (default: the package's prompts/). */
  promptsDir?: string;
  /** Working directory where ./rlm.config.json is looked for (default: process.cwd()). */
  cwd?: string;
}

/** How long the installed-model list is trusted before /api/tags is asked again. */
const MODEL_LIST_TTL_MS = 5000;
/**
 * /health's view of Ollama: answered as is for 1 s, answered while re-probed for up to 2 s when it
 * was reachable (so a monitor polling faster than that never waits on a busy backend), and a probe
 * waits at most 3 s.
 */
const BACKEND_STATUS = { freshMs: 1000, staleMs: 2000, timeoutMs: 3000 };

/** Reads what must be right before serving (prompts, the pipeline config file) and wires the app. */
export async function createApp(config: ServerConfig, overrides: AppOverrides = {}): Promise<AppDeps> {
  const now = overrides.now ?? Date.now;
  const newId = overrides.newId ?? randomId;
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const [prompts, fileConfig] = await Promise.all([
    loadPrompts(overrides.promptsDir),
    readRlmConfigFile({ env: { ...process.env, RLM_CONFIG: config.configPath }, cwd: overrides.cwd ?? process.cwd() }),
  ]);
  const backends = createBackends(config, fileConfig?.backends ?? null, {
    ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
    now,
    status: BACKEND_STATUS,
    onFailover: (event) => logger.warn('backend_failover', { model: event.model, from: event.from, to: event.to, error: event.error.message }),
  });
  const { pool } = backends;
  const ollama = backends.client;
  const models = createModelCatalog(ollama, {
    ttlMs: MODEL_LIST_TTL_MS,
    now,
    ...(pool !== undefined && {
      backendNames: pool.members.map((member) => member.name),
      lacks: lacksOf(pool, fileConfig?.backends ?? []),
      pinned: (name: string) => {
        const pin = splitPinned(pool, name);
        return pin === undefined ? undefined : { model: pin.model, listed: pool.backendsFor(name).length > 0 };
      },
    }),
  });
  const backend = backends.probes[0]!.probe;
  const embeddingCache = createEmbeddingCache(config.embeddingCacheEntries);
  const retrieval = createRetrieval({ dataDir: config.dataDir, ollama, embeddingCache });
  // `rlm eval --calibrate` writes them; each run's confidence goes through its profile's.
  const calibrations = createCalibrationLookup({ dataDir: config.dataDir, onError: (message) => logger.warn('calibration_unreadable', { message }) });
  await calibrations.refresh();
  const pipeline = createPipelineService({
    fileConfig,
    dataDir: config.dataDir,
    ollama,
    models,
    prompts,
    retrieval,
    logger,
    numCtx: config.numCtx,
    now,
    newId,
    calibrate: calibrations.calibrate,
    ...(pool !== undefined && { session: (observer: FailoverObserver) => pool.session(observer) }),
  });
  return { config, ollama, backend, backends, models, calibrations, pipeline, embeddingCache, retrieval, logger, now, newId, version: VERSION, startedAt: now() };
}

/** What the backends serving a model lack, together (a pool may send it to any of them). */
function lacksOf(pool: BackendPool, backends: readonly BackendConfig[]): (name: string) => readonly BackendFeature[] {
  const unsupported = new Map(backends.map((backend) => [backend.name, backend.unsupported]));
  if (backends.every((backend) => backend.unsupported.length === 0)) return () => [];
  return (name) => [...new Set(pool.backendsFor(name).flatMap((backend) => unsupported.get(backend) ?? []))];
}

/** Creates and starts a server; resolves once it listens. */
export async function startServer(config: ServerConfig, overrides: AppOverrides = {}): Promise<RunningServer & { app: AppDeps }> {
  const app = await createApp(config, overrides);
  const running = await listen(createHttpServer(app, ROUTES), config.host, config.port);
  return {
    ...running,
    app,
    // Stopping also waits for the run files still being closed (made durable, their ledger line written).
    close: async (graceMs?: number) => {
      await running.close(graceMs);
      await app.pipeline.traces.settle();
    },
  };
}
