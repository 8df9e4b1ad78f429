/**
 * Newline-delimited JSON read from a node stream (a node:http response), without web streams: the
 * stream stays paused and a chunk is read only when the consumer asks for more, so a slow consumer
 * leaves the bytes in the socket and TCP slows Ollama down (backpressure). Everything the socket
 * holds is read at once (`read()` joins it), split and parsed by `ndjson-splitter.ts`, and handed
 * out as one batch: one await per arrival instead of one per line.
 *
 * This reader never destroys its stream: whoever owns the exchange decides, when reading stops,
 * whether the connection is kept (the answer was complete) or closed (Ollama must stop).
 */
import type { Readable } from 'node:stream';
import { createNdjsonSplitter, type NdjsonOptions } from './ndjson-splitter.js';
import { UpstreamProtocolError } from '../utils/errors.js';

/** Yields the non-blank lines of `stream`, parsed as JSON, a batch per arrival (never an empty one). */
export async function* readNdjsonMessage(stream: Readable, options: NdjsonOptions = {}): AsyncGenerator<unknown[]> {
  const splitter = createNdjsonSplitter(options);
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
    if (!ended) failure ??= new UpstreamProtocolError('Ollama closed the connection before the answer was complete.');
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
        const values: unknown[] = [];
        try {
          splitter.push(chunk, values);
        } catch (error) {
          // The lines before a bad one are still handed out, in order, before its error.
          if (values.length > 0) yield values;
          throw error;
        }
        if (values.length > 0) yield values;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended || stream.readableEnded) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    const last: unknown[] = [];
    splitter.end(last);
    if (last.length > 0) yield last;
  } finally {
    stream.off('readable', notify);
    stream.off('end', onEnd);
    stream.off('error', onError);
    stream.off('close', onClose);
  }
}
