/**
 * Server-sent events over a node:http response, in the shape OpenAI clients read: `data: <json>`
 * events, a final `data: [DONE]`, and comments to keep idle connections alive. It respects
 * backpressure (a write that fills the buffer waits for 'drain') without ever waiting on a client
 * that has gone away.
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
  /** Sends the status and headers at once, so the client sees the stream start before the first token. */
  open(): void;
  /** One `data:` event holding `JSON.stringify(value)`. Opens the stream first if needed. */
  data(value: unknown): Promise<void>;
  comment(text: string): Promise<void>;
  /** The final `data: [DONE]` event, then the end of the response. */
  done(): Promise<void>;
  /** Ends the response without `[DONE]` (after an error event). */
  end(): void;
}

/**
 * The keep-alive comment. Never "ping": some OpenAI clients treat a `: ping` comment as the end of
 * the stream.
 */
const KEEP_ALIVE_COMMENT = 'keep-alive';

const DEFAULT_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // nginx buffers proxied answers unless told not to, which would hold tokens back.
  'x-accel-buffering': 'no',
};

export function createSseWriter(response: ServerResponse, options: SseWriterOptions = {}): SseWriter {
  const { signal } = options;
  const keepAliveMs = options.keepAliveMs ?? 0;
  let keepAliveTimer: NodeJS.Timeout | undefined;
  let clientGone = false;

  const isClosed = (): boolean => clientGone || response.writableEnded || response.destroyed;

  const stopKeepAlive = (): void => {
    if (keepAliveTimer !== undefined) clearTimeout(keepAliveTimer);
    keepAliveTimer = undefined;
  };

  const onClose = (): void => {
    clientGone = true;
    stopKeepAlive();
    // The signal may outlive this response (a server-wide one); do not leave a listener on it.
    signal?.removeEventListener('abort', stopKeepAlive);
  };
  response.once('close', onClose);
  signal?.addEventListener('abort', stopKeepAlive, { once: true });

  const sendKeepAlive = (): void => {
    // A full buffer already proves the connection is busy; piling a comment on it helps no one.
    if (isClosed() || response.writableNeedDrain) {
      keepAliveTimer?.refresh();
      return;
    }
    response.write(`: ${KEEP_ALIVE_COMMENT}\n\n`);
    keepAliveTimer?.refresh();
  };

  const open = (): void => {
    if (response.headersSent || isClosed()) return;
    const headers: Record<string, string> = { ...DEFAULT_HEADERS };
    for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
    response.writeHead(200, headers);
    response.flushHeaders();
    if (keepAliveMs > 0 && !signal?.aborted) {
      keepAliveTimer = setTimeout(sendKeepAlive, keepAliveMs);
      // An idle stream must not keep the process alive on its own.
      keepAliveTimer.unref();
    }
  };

  const write = async (bytes: string): Promise<void> => {
    if (signal?.aborted) throw signal.reason;
    if (isClosed()) return;
    open();
    keepAliveTimer?.refresh();
    if (response.write(bytes)) return;
    await drained(response, () => isClosed(), signal);
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
    async done(): Promise<void> {
      if (signal?.aborted) throw signal.reason;
      if (isClosed()) return;
      open();
      stopKeepAlive();
      await ended(response, `data: [DONE]\n\n`, signal);
    },
    end(): void {
      stopKeepAlive();
      if (!response.writableEnded && !response.destroyed) response.end();
    },
  };
}

/** Waits for 'drain', or less: the response closing resolves, the signal aborting rejects. */
function drained(response: ServerResponse, isClosed: () => boolean, signal: AbortSignal | undefined): Promise<void> {
  // The socket may have closed between write() and now; 'close' would then never come again.
  if (isClosed()) return Promise.resolve();
  return settleOnEvents(response, ['drain', 'close'], signal);
}

/** Ends the response with `bytes` and waits until it is flushed, or the client has gone. */
function ended(response: ServerResponse, bytes: string, signal: AbortSignal | undefined): Promise<void> {
  const settled = settleOnEvents(response, ['finish', 'close'], signal);
  response.end(bytes);
  return settled;
}

function settleOnEvents(response: ServerResponse, events: string[], signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanUp = (): void => {
      for (const event of events) response.removeListener(event, onEvent);
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
    for (const event of events) response.once(event, onEvent);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
