/**
 * Server-sent events over a node:http response, in the shape OpenAI clients read: `data: <json>`
 * events, a final `data: [DONE]`, and comments to keep idle connections alive. It respects
 * backpressure (a write that fills the buffer waits for 'drain') without ever waiting on a client
 * that has gone away.
 *
 * Events are gathered and handed to the response once per tick, as one write: a native stream's
 * lines arrive in batches, and its events are all produced in one run of microtasks (the flush is
 * a process.nextTick, which runs once that run is over), so a batch
 * becomes one chunk of the chunked body and one socket write, headers included for the first one,
 * instead of a write (four pieces to the socket) per event. The gathering is bounded: past
 * FLUSH_BYTES the events go out at once, and once the response's buffer is full a write waits for
 * 'drain' as before. Anything else that writes to the response (an error event from
 * `sendError`) calls `flushEvents` first, so the order on the wire is the order of the calls.
 */
import type { ServerResponse } from 'node:http';

export interface SseWriterOptions {
  /** Extra response headers; they override the defaults of the same (case-insensitive) name. */
  headers?: Record<string, string>;
  /** Send `: keep-alive` after this many milliseconds without any other write. Off when absent or 0. */
  keepAliveMs?: number;
  /**
   * Aborting it makes a write that is waiting for 'drain' reject at once with `signal.reason`, makes
   * later data()/comment()/done() reject the same way without writing, and stops the keep-alive.
   */
  signal?: AbortSignal;
}

export interface SseWriter {
  /** True once the response ended or the client went away; every write is then a no-op. */
  readonly closed: boolean;
  /** Sets the status and headers, and sends them by the end of this tick, with the first events if any. */
  open(): void;
  /** One `data:` event holding `JSON.stringify(value)`. Opens the stream first if needed. */
  data(value: unknown): Promise<void>;
  comment(text: string): Promise<void>;
  /** The final `data: [DONE]` event, then the end of the response (its bytes are buffered, not awaited). */
  done(): Promise<void>;
  /** Ends the response without `[DONE]` (after an error event). */
  end(): void;
}

/**
 * The keep-alive comment. Never "ping": some OpenAI clients treat a `: ping` comment as the end of
 * the stream.
 */
const KEEP_ALIVE_COMMENT = 'keep-alive';

/** Gathered events past this many characters are written at once rather than at the end of the tick. */
const FLUSH_BYTES = 16 * 1024;

const DEFAULT_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // nginx buffers proxied answers unless told not to, which would hold tokens back.
  'x-accel-buffering': 'no',
};

const RESOLVED: Promise<void> = Promise.resolve();

/** The writer of each open event stream, so that another write to the response can go after its events. */
const writers = new WeakMap<ServerResponse, () => void>();

/** Writes the events an SSE writer has gathered for `response`, if any (before another write to it). */
export function flushEvents(response: ServerResponse): void {
  writers.get(response)?.();
}

/** Whether an SSE writer answers on `response` (its headers are not readable back after writeHead). */
export function isEventStream(response: ServerResponse): boolean {
  return writers.has(response);
}

export function createSseWriter(response: ServerResponse, options: SseWriterOptions = {}): SseWriter {
  const { signal } = options;
  const keepAliveMs = options.keepAliveMs ?? 0;
  let keepAliveTimer: NodeJS.Timeout | undefined;
  let clientGone = false;
  /** Events not yet handed to the response. */
  let pending = '';
  let scheduled = false;
  /** Whether anything (the headers included) went to the response since open(). */
  let sent = false;

  const isClosed = (): boolean => clientGone || response.writableEnded || response.destroyed;

  const stopKeepAlive = (): void => {
    if (keepAliveTimer !== undefined) clearTimeout(keepAliveTimer);
    keepAliveTimer = undefined;
  };

  const onClose = (): void => {
    clientGone = true;
    pending = '';
    stopKeepAlive();
  };
  response.once('close', onClose);

  /** Hands what is gathered to the response; false when its buffer is full (wait for 'drain'). */
  const flush = (): boolean => {
    if (isClosed()) {
      pending = '';
      return true;
    }
    if (!response.headersSent) return true;
    if (pending === '') {
      // open() with nothing after it in this tick: the client must still see the stream start.
      if (!sent) response.flushHeaders();
      sent = true;
      return !response.writableNeedDrain;
    }
    const bytes = pending;
    pending = '';
    sent = true;
    // Once per write, not per event: the silence the keep-alive measures starts now.
    keepAliveTimer?.refresh();
    return response.write(bytes);
  };
  const flushScheduled = (): void => {
    scheduled = false;
    flush();
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    // After the microtasks that produce a batch's events have all run, before any I/O.
    process.nextTick(flushScheduled);
  };
  writers.set(response, flush);

  const sendKeepAlive = (): void => {
    // An aborted signal stops the keep-alive: read here, when the timer fires, rather than with a
    // listener added and removed on the signal for every stream.
    if (signal?.aborted) {
      stopKeepAlive();
      return;
    }
    // A full buffer already proves the connection is busy; piling a comment on it helps no one.
    if (isClosed() || response.writableNeedDrain || pending !== '') {
      keepAliveTimer?.refresh();
      return;
    }
    pending = `: ${KEEP_ALIVE_COMMENT}\n\n`;
    flush();
  };

  const open = (): void => {
    if (response.headersSent || isClosed()) return;
    const headers: Record<string, string> = { ...DEFAULT_HEADERS };
    if (options.headers !== undefined) for (const [name, value] of Object.entries(options.headers)) headers[name.toLowerCase()] = value;
    response.writeHead(200, headers);
    schedule();
    if (keepAliveMs > 0 && !signal?.aborted) {
      keepAliveTimer = setTimeout(sendKeepAlive, keepAliveMs);
      // An idle stream must not keep the process alive on its own.
      keepAliveTimer.unref();
    }
  };

  const write = (bytes: string): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (isClosed()) return RESOLVED;
    open();
    pending += bytes;
    if (pending.length >= FLUSH_BYTES) {
      if (flush()) return RESOLVED;
    } else {
      schedule();
      if (!response.writableNeedDrain) return RESOLVED;
    }
    return drained(response, () => isClosed(), signal);
  };

  return {
    get closed() {
      return isClosed();
    },
    open,
    data(value: unknown): Promise<void> {
      // JSON.stringify escapes newlines inside strings, so one `data:` line always holds the whole event.
      const json = JSON.stringify(value);
      if (json === undefined) return Promise.reject(new TypeError('An SSE data event needs a JSON value, not undefined.'));
      return write(`data: ${json}\n\n`);
    },
    comment(text: string): Promise<void> {
      // A line break would end the comment and let the rest be read as a field.
      if (/[\r\n]/.test(text)) return Promise.reject(new TypeError('An SSE comment cannot contain a line break.'));
      return write(`: ${text}\n\n`);
    },
    done(): Promise<void> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (isClosed()) return RESOLVED;
      open();
      stopKeepAlive();
      const bytes = `${pending}data: [DONE]\n\n`;
      pending = '';
      // The last events and the chunked terminator in one write; the response flushes them itself.
      response.end(bytes);
      return RESOLVED;
    },
    end(): void {
      stopKeepAlive();
      if (response.writableEnded || response.destroyed) return;
      const bytes = pending;
      pending = '';
      if (bytes !== '' && response.headersSent && !clientGone) response.end(bytes);
      else response.end();
    },
  };
}

/** Waits for 'drain', or less: the response closing resolves, the signal aborting rejects. */
function drained(response: ServerResponse, isClosed: () => boolean, signal: AbortSignal | undefined): Promise<void> {
  // The socket may have closed between write() and now; 'close' would then never come again.
  if (isClosed() || !response.writableNeedDrain) return RESOLVED;
  return new Promise((resolve, reject) => {
    const cleanUp = (): void => {
      response.removeListener('drain', onEvent);
      response.removeListener('close', onEvent);
      signal?.removeEventListener('abort', onAbort);
    };
    const onEvent = (): void => {
      cleanUp();
      resolve();
    };
    const onAbort = (): void => {
      cleanUp();
      reject(signal?.reason);
    };
    response.once('drain', onEvent);
    response.once('close', onEvent);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
