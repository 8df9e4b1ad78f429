/**
 * An SSE answer whose status line may wait a little. A pipeline run can end in a refusal (a 422)
 * that a client should get as a real status; once the 200 and its headers are out, all that is
 * left is an error event. So the events are queued, and the stream opens only when it must: when
 * `flush()` is called, or when the client would otherwise have waited in silence for `holdMs` (one
 * keep-alive interval, far below every client's idle limit). `discard()` drops the queue, so the
 * caller can still answer with a status.
 */
import type { RequestContext } from '../../server/context.js';
import { createSseWriter, type SseWriter } from '../../utils/stream.js';

export interface HeldEventStream {
  /** Writes after flush(); its writes go straight out. */
  readonly writer: SseWriter;
  /** True once the status line is out (or about to be): a refusal must then be an error event. */
  readonly opened: boolean;
  /** Queues one data event; written at once when the stream is open. A failed write means the client left. */
  send(value: unknown): void;
  /** Opens the stream now if it is still held, and resolves once every queued event is written. */
  flush(): Promise<void>;
  /** While still held: drops the queue and never opens, so an error can be answered with its status. */
  discard(): void;
}

/** holdMs 0 opens at once, as openEventStream does. */
export function openHeldEventStream(context: RequestContext, holdMs: number): HeldEventStream {
  const writer = createSseWriter(context.response, { keepAliveMs: context.app.config.keepAliveMs, signal: context.signal });
  let held = true;
  let discarded = false;
  let queued: unknown[] = [];
  let written: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const write = (value: unknown): void => {
    written = written.then(() => writer.data(value)).catch(() => undefined);
  };
  const release = (): void => {
    if (!held || discarded) return;
    held = false;
    if (timer !== undefined) clearTimeout(timer);
    writer.open();
    for (const value of queued) write(value);
    queued = [];
  };

  if (holdMs > 0 && !context.signal.aborted) {
    timer = setTimeout(release, holdMs);
    // A held answer must not keep the process alive on its own.
    timer.unref();
    context.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  } else {
    release();
  }

  return {
    writer,
    get opened() {
      return !held;
    },
    send(value) {
      if (discarded) return;
      if (held) queued.push(value);
      else write(value);
    },
    async flush() {
      release();
      await written;
    },
    discard() {
      if (!held) return;
      discarded = true;
      queued = [];
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
