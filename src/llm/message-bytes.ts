/**
 * A node stream's bytes (a node:http response), without web streams, for a framing the transport
 * does not parse itself (the OpenAI-compatible client's server-sent events). As in
 * `ndjson-message.ts`, the stream stays paused and is read only when the consumer asks, so a slow
 * consumer leaves the bytes in the socket (backpressure); everything the socket holds is one
 * piece. This reader never destroys its stream: the exchange's owner decides whether the
 * connection is kept or closed.
 */
import type { Readable } from 'node:stream';
import { UpstreamProtocolError } from '../utils/errors.js';

/** Yields the stream's bytes, a piece per arrival (never an empty one), until its end. */
export async function* readMessageBytes(stream: Readable): AsyncGenerator<Buffer> {
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const onEnd = (): void => {
    ended = true;
    notify();
  };
  const onError = (error: unknown): void => {
    failure ??= error;
    notify();
  };
  // A stream destroyed without an error (its socket closed under it) ends without 'end'.
  const onClose = (): void => {
    if (!ended) failure ??= new UpstreamProtocolError('The backend closed the connection before the answer was complete.');
    notify();
  };
  stream.on('readable', notify);
  stream.on('end', onEnd);
  stream.on('error', onError);
  stream.on('close', onClose);
  try {
    for (;;) {
      const chunk = stream.read() as Buffer | null;
      if (chunk !== null) {
        if (chunk.length > 0) yield chunk;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended || stream.readableEnded) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stream.off('readable', notify);
    stream.off('end', onEnd);
    stream.off('error', onError);
    stream.off('close', onClose);
  }
}
