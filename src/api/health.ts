/**
 * GET /health: is the server up, and can it reach its backend? 200 when Ollama answers, 503 with
 * the reason (and the OpenAI error shape) when it does not. Not behind the API key, so that
 * monitors and `curl` need nothing.
 */
import type { EmbeddingCacheStats } from '../index/embedding-cache.js';
import type { RequestContext } from '../server/context.js';
import { sendJson } from '../server/error-response.js';
import { toRlmError } from '../utils/errors.js';
import { startTimer } from '../utils/timer.js';

function cacheStats(stats: EmbeddingCacheStats): Record<string, number> {
  return { entries: stats.entries, max_entries: stats.maxEntries, hits: stats.hits, misses: stats.misses };
}

/** A health probe must answer fast even when the backend hangs. */
const PROBE_TIMEOUT_MS = 3000;

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
  const elapsed = startTimer();
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]);
  try {
    const [version, tags] = await Promise.all([app.ollama.version(signal), app.ollama.tags(signal)]);
    sendJson(context.response, 200, {
      status: 'ok',
      server,
      backend: {
        url: app.ollama.baseUrl,
        reachable: true,
        version: version.version,
        models: (tags.models ?? []).map((model) => model.name),
        latency_ms: Math.round(elapsed() * 10) / 10,
      },
    });
  } catch (thrown) {
    // A probe cut by its own deadline looks like a cancel to the adapter; say what really happened.
    const timedOut = signal.aborted && !context.signal.aborted;
    const error = toRlmError(thrown);
    const message = timedOut ? `Ollama at ${app.ollama.baseUrl} did not answer within ${PROBE_TIMEOUT_MS} ms.` : error.message;
    const code = timedOut ? 'upstream_timeout' : error.code;
    sendJson(context.response, 503, {
      status: 'unavailable',
      server,
      backend: { url: app.ollama.baseUrl, reachable: false, error: message },
      error: { message, type: 'api_error', param: null, code },
    });
  }
}
