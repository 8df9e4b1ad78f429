/**
 * The `data` of an OpenAI stream's server-sent events, parsed as JSON, a batch per arrival of
 * bytes (one await per arrival, not per event). `data: [DONE]`, OpenAI's end of stream, is the
 * `SSE_DONE` marker; a `data` that is not JSON is a broken protocol, never skipped.
 */
import { UpstreamProtocolError } from '../../utils/errors.js';
import { createSseSplitter, type SseEvent } from './sse-splitter.js';

/** Stands for `data: [DONE]` among the parsed values. */
export const SSE_DONE: unique symbol = Symbol('[DONE]');

export async function* readSseValues(pieces: AsyncIterable<Uint8Array>, server: string): AsyncGenerator<unknown[]> {
  const splitter = createSseSplitter();
  const events: SseEvent[] = [];
  let ended = false;
  const iterator = pieces[Symbol.asyncIterator]();
  try {
    while (!ended) {
      const next = await iterator.next();
      let failure: unknown;
      try {
        if (next.done === true) {
          ended = true;
          splitter.end(events);
        } else {
          splitter.push(next.value, events);
        }
      } catch (error) {
        failure = error;
      }
      const values: unknown[] = [];
      for (const event of events) {
        if (event.data === '[DONE]') {
          values.push(SSE_DONE);
          continue;
        }
        try {
          values.push(JSON.parse(event.data));
        } catch (error) {
          failure ??= new UpstreamProtocolError(`${server} sent a stream event that is not valid JSON: ${JSON.stringify(event.data.slice(0, 200))}`, error);
          break;
        }
      }
      events.length = 0;
      // The events before a bad one are still handed out, in order, before its error.
      if (values.length > 0) yield values;
      if (failure !== undefined) throw failure;
    }
  } finally {
    if (!ended) await iterator.return?.();
  }
}
