/** Builds the app from a config with real defaults for the world (fetch, clock, ids), and starts it. */
import { createModelCatalog } from '../llm/model-catalog.js';
import { createOllamaClient } from '../llm/ollama-client.js';
import type { ServerConfig } from '../types/config.js';
import { newId as randomId } from '../utils/ids.js';
import { createLogger, type Logger } from '../utils/logger.js';
import type { AppDeps } from './context.js';
import { createHttpServer, listen, type RunningServer } from './http-server.js';
import { ROUTES } from './routes.js';
import { VERSION } from '../version.js';

export interface AppOverrides {
  fetch?: typeof fetch;
  now?: () => number;
  newId?: (prefix: string) => string;
  logger?: Logger;
}

/** How long the installed-model list is trusted before /api/tags is asked again. */
const MODEL_LIST_TTL_MS = 5000;

export function createApp(config: ServerConfig, overrides: AppOverrides = {}): AppDeps {
  const now = overrides.now ?? Date.now;
  const ollama = createOllamaClient({
    baseUrl: config.ollamaUrl,
    timeoutMs: config.upstreamTimeoutMs,
    ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
  });
  return {
    config,
    ollama,
    models: createModelCatalog(ollama, { ttlMs: MODEL_LIST_TTL_MS, now }),
    logger: overrides.logger ?? createLogger({ level: config.logLevel }),
    now,
    newId: overrides.newId ?? randomId,
    version: VERSION,
    startedAt: now(),
  };
}

/** Creates and starts a server; resolves once it listens. */
export async function startServer(config: ServerConfig, overrides: AppOverrides = {}): Promise<RunningServer & { app: AppDeps }> {
  const app = createApp(config, overrides);
  const running = await listen(createHttpServer(app, ROUTES), config.host, config.port);
  return { ...running, app };
}
