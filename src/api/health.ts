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
import type { RequestContext } from '../server/context.js';
import { sendJson } from '../server/error-response.js';

function cacheStats(stats: EmbeddingCacheStats): Record<string, number> {
  return { entries: stats.entries, max_entries: stats.maxEntries, hits: stats.hits, misses: stats.misses };
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
  const status = await app.backend.current();
  const checkedMsAgo = Math.max(0, app.now() - status.checkedAt);
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
    });
    return;
  }
  sendJson(context.response, 503, {
    status: 'unavailable',
    server,
    // The model lists (/v1/models, /api/tags) still answer meanwhile, from these.
    backend: { url: app.ollama.baseUrl, reachable: false, error: status.message, checked_ms_ago: checkedMsAgo, last_known_models: lastKnownModels(app).map((model) => model.name) },
    error: { message: status.message, type: 'api_error', param: null, code: status.code },
  });
}
