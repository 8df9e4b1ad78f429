/**
 * Ollama's streamed answer: `application/x-ndjson`, one JSON object per line, no framing and no
 * comments (docs/reference/ollama-protocol.md §1). Ollama sends its status line with the first
 * object, so a failure before it is a real status; this writer does the same, and can also open on
 * its own after `holdMs` for an answer whose first line may be long in coming (a pipeline run).
 * NDJSON has no comment to keep a quiet connection alive, so an open stream silent for
 * `keepAliveMs` gets `keepAlive()`, a chunk that adds nothing (empty content, done:false), which
 * every Ollama client folds in. Writes respect backpressure and never wait on a client that left.
 */
import type { ServerResponse } from 'node:http';
import { NDJSON } from './native-errors.js';

export interface NdjsonStreamOptions {
  /** Aborting it makes waiting writes reject with its reason, and stops the timers. */
  signal: AbortSignal;
  /** Open after this long even without a line; absent: only the first line opens the stream. */
  holdMs?: number;
  /** After this much silence on an open stream, write `keepAlive()`. Off when absent. */
  keepAliveMs?: number;
  keepAlive?: () => object;
}

export interface NdjsonStream {
  /** Whether the status line has gone out. */
  readonly opened: boolean;
  /** Writes one object as a line, opening the stream first if needed. */
  line(value: object): Promise<void>;
  /** Queues a line behind the others without waiting for it (for callbacks that cannot await). */
  send(value: object): void;
  /** Resolves once every queued line has been written. */
  flush(): Promise<void>;
  /** Ends the stream (opening it first: an empty stream is still a 200). */
  end(): Promise<void>;
  /** Stops the timers without writing, so an error can still go out with its own status. */
  discard(): void;
}

export function createNdjsonStream(response: ServerResponse, options: NdjsonStreamOptions): NdjsonStream {
  const { signal } = options;
  let holdTimer: NodeJS.Timeout | undefined;
  let keepAliveTimer: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();
  const isClosed = (): boolean => response.writableEnded || response.destroyed;

  const stopTimers = (): void => {
    clearTimeout(holdTimer);
    clearTimeout(keepAliveTimer);
    holdTimer = undefined;
    keepAliveTimer = undefined;
  };
  response.once('close', stopTimers);
  signal.addEventListener('abort', stopTimers, { once: true });

  const sendKeepAlive = (): void => {
    // A full buffer already shows the connection is alive; piling on it helps no one.
    if (!isClosed() && !response.writableNeedDrain && options.keepAlive) response.write(`${JSON.stringify(options.keepAlive())}\n`);
    keepAliveTimer?.refresh();
  };

  const open = (): void => {
    clearTimeout(holdTimer);
    holdTimer = undefined;
    if (response.headersSent || isClosed()) return;
    response.writeHead(200, { 'content-type': NDJSON });
    response.flushHeaders();
    if (options.keepAliveMs !== undefined && options.keepAliveMs > 0 && options.keepAlive && !signal.aborted) {
      keepAliveTimer = setTimeout(sendKeepAlive, options.keepAliveMs);
      keepAliveTimer.unref();
    }
  };
  if (options.holdMs !== undefined && !signal.aborted) {
    holdTimer = setTimeout(open, options.holdMs);
    holdTimer.unref();
  }

  const line = async (value: object): Promise<void> => {
    if (signal.aborted) throw signal.reason;
    if (isClosed()) return;
    open();
    keepAliveTimer?.refresh();
    if (response.write(`${JSON.stringify(value)}\n`)) return;
    await settle(response, ['drain', 'close'], signal);
  };

  return {
    get opened() {
      return response.headersSent;
    },
    line,
    send(value) {
      // A failed write means the client left, which the caller learns from its own signal.
      queue = queue.then(() => line(value)).catch(() => undefined);
    },
    flush: () => queue,
    async end() {
      await queue;
      stopTimers();
      if (signal.aborted) throw signal.reason;
      if (isClosed()) return;
      open();
      const finished = settle(response, ['finish', 'close'], signal);
      response.end();
      await finished;
    },
    discard: stopTimers,
  };
}

/** Resolves on the first of `events`, rejects when the signal aborts. */
function settle(response: ServerResponse, events: string[], signal: AbortSignal): Promise<void> {
  if (response.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanUp = (): void => {
      for (const event of events) response.removeListener(event, onEvent);
      signal.removeEventListener('abort', onAbort);
    };
    const onEvent = (): void => {
      cleanUp();
      resolve();
    };
    const onAbort = (): void => {
      cleanUp();
      reject(signal.reason);
    };
    for (const event of events) response.once(event, onEvent);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
