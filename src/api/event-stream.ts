/** Opens the SSE answer every streaming endpoint uses: headers flushed at once, keep-alive comments while the backend works. */
import type { RequestContext } from '../server/context.js';
import { createSseWriter, type SseWriter } from '../utils/stream.js';

/** Below every client's idle limit (clients.md §8: 60 s for VS Code's fallback fetcher) with a wide margin. */
export const KEEP_ALIVE_MS = 5000;

export function openEventStream(context: RequestContext): SseWriter {
  const writer = createSseWriter(context.response, { keepAliveMs: KEEP_ALIVE_MS, signal: context.signal });
  writer.open();
  return writer;
}
