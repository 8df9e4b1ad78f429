/**
 * Opens the SSE answer every streaming endpoint uses: the headers go out in this tick, with the
 * first events when they follow at once (one packet, not two), and keep-alive comments while the
 * backend works.
 */
import type { RequestContext } from '../server/context.js';
import { createSseWriter, type SseWriter } from '../utils/stream.js';

/**
 * The keep-alive interval (RLM_KEEP_ALIVE_MS, default 5 s) sits far below every client's idle limit
 * (docs/reference/clients.md §8: 60 s for VS Code's fallback fetcher, 300 s for Node's fetch).
 */
export function openEventStream(context: RequestContext): SseWriter {
  const writer = createSseWriter(context.response, { keepAliveMs: context.app.config.keepAliveMs, signal: context.cancel ?? context.signal });
  writer.open();
  return writer;
}
