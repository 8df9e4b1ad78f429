/**
 * GET /health: is the server up, and can it reach its backend? 200 when Ollama answers, 503 with
 * the reason (and the OpenAI error shape) when it does not. Not behind the API key, so that
 * monitors and `curl` need nothing. The backend part comes from one shared probe
 * (src/llm/backend-status.ts), at most 2 s old and saying how old (`checked_ms_ago`), so that
 * /health stays fast when Ollama is busy. While Ollama is unreachable the model lists keep answering
 * from the last installed list known, which the 503 names (`last_known_models`).
 */
import type { EmbeddingCacheStats } from '../index/embedding-cache.js';
import { lastKnownModels } from './installed-models.js';
import type { BackendState } from '../llm/pool/backend-pool.js';
import type { BackendProbe } from '../server/backends.js';
import type { AppDeps, RequestContext } from '../server/context.js';
import { sendJson } from '../server/error-response.js';

function cacheStats(stats: EmbeddingCacheStats): Record<string, number> {
  return { entries: stats.entries, max_entries: stats.maxEntries, hits: stats.hits, misses: stats.misses };
}

/** One backend as /health shows it: its probe (reachable, version, models) and, in a pool, its traffic and health. */
async function describeBackend(app: AppDeps, probe: BackendProbe, state: BackendState | undefined): Promise<Record<string, unknown>> {
  const status = await probe.probe.current();
  const checkedMsAgo = Math.max(0, app.now() - status.checkedAt);
  // A pool that tracks it knows of failures the probe has not seen yet, and the other way round.
  const tracked = state !== undefined && state.tracked;
  const health = !status.reachable ? 'down' : tracked ? state.state : 'up';
  return {
    name: probe.name,
    type: probe.type,
    url: probe.url,
    reachable: status.reachable,
    state: health,
    ...(status.reachable ? { version: status.version, models: status.models, latency_ms: status.latencyMs } : { error: status.message }),
    ...(tracked && {
      in_flight: state.inFlight,
      queued: state.queued,
      failures: state.failures,
      last_error: state.lastError,
      cooldown_ms: state.cooldownUntil === null ? null : Math.max(0, state.cooldownUntil - app.now()),
      request_latency_ms: state.latencyMs === null ? null : Math.round(state.latencyMs * 10) / 10,
    }),
    checked_ms_ago: checkedMsAgo,
  };
}

export async function handleHealth(context: RequestContext): Promise<void> {
  const { app } = context;
  const { limiter, cache } = app.pipeline;
  const server = {
    version: app.version,
    uptime_s: Math.round((app.now() - app.startedAt) / 1000),
    pipeline: {
      runs_in_flight: limiter.running,
      runs_queued: limiter.queued,
      call_cache: cache ? { entries: cache.size, hits: cache.hits, misses: cache.misses } : null,
    },
    embeddings_cache: cacheStats(app.embeddingCache.stats()),
  };
  const states = app.backends.pool?.states() ?? [];
  const [status, ...others] = await Promise.all([
    app.backend.current(),
    ...app.backends.probes.map((probe, index) => describeBackend(app, probe, states[index])),
  ]);
  const backends = others as Record<string, unknown>[];
  const checkedMsAgo = Math.max(0, app.now() - status.checkedAt);
  if (app.backends.pool !== undefined) {
    // Several backends: up while any answers ("degraded" when some do not), 503 when none does.
    const reachable = backends.filter((backend) => backend.reachable === true).length;
    const healthy = reachable === backends.length && backends.every((backend) => backend.state === 'up');
    if (reachable > 0) {
      sendJson(context.response, 200, { status: healthy ? 'ok' : 'degraded', server, backends });
      return;
    }
    const message = `No backend answers (${backends.map((backend) => `${String(backend.name)}: ${String(backend.error)}`).join('; ')}). Start them, or check the urls under "backends" in rlm.config.json.`;
    sendJson(context.response, 503, {
      status: 'unavailable',
      server,
      backends,
      last_known_models: lastKnownModels(app).map((model) => model.name),
      error: { message, type: 'api_error', param: null, code: 'upstream_unreachable' },
    });
    return;
  }
  if (status.reachable) {
    sendJson(context.response, 200, {
      status: 'ok',
      server,
      backend: {
        url: app.ollama.baseUrl,
        reachable: true,
        version: status.version,
        models: status.models,
        latency_ms: status.latencyMs,
        checked_ms_ago: checkedMsAgo,
      },
      backends,
    });
    return;
  }
  sendJson(context.response, 503, {
    status: 'unavailable',
    server,
    // The model lists (/v1/models, /api/tags) still answer meanwhile, from these.
    backend: { url: app.ollama.baseUrl, reachable: false, error: status.message, checked_ms_ago: checkedMsAgo, last_known_models: lastKnownModels(app).map((model) => model.name) },
    backends,
    error: { message: status.message, type: 'api_error', param: null, code: status.code },
  });
}
