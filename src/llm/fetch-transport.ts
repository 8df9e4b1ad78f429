/**
 * The upstream transport over a fetch function, for an injected fetch (tests, embedders): the
 * request goes out with the signal, the body is read as a web stream. node:http is the default
 * (`http-transport.ts`); this keeps the `fetch` option of the client working as it did.
 */
import { readNdjsonLines } from './ndjson.js';
import { UpstreamProtocolError } from '../utils/errors.js';
import { spreadOverTurns } from '../utils/spread-over-turns.js';
import type { UpstreamTransport } from './upstream-transport.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

export function createFetchTransport(fetchImpl: typeof fetch): UpstreamTransport {
  return {
    async send({ method, url, body, headers, signal, cancel }) {
      const init: RequestInit = { method, signal: signal ?? cancel?.toSignal() };
      if (body !== undefined) {
        init.body = body;
        init.headers = headers === undefined ? JSON_HEADERS : { ...headers, ...JSON_HEADERS };
      } else if (headers !== undefined) {
        init.headers = headers;
      }
      const response = await fetchImpl(url, init);
      let consumed = false;
      return {
        status: response.status,
        text: () => {
          consumed = true;
          return response.text();
        },
        batches: (options) => {
          if (response.body === null) throw new UpstreamProtocolError(`Ollama answered ${new URL(url).pathname} with no body.`);
          consumed = true;
          // The reader cancels the body itself when reading stops, a few cancels per turn.
          return singles(readNdjsonLines(response.body, options));
        },
        bytes: () => {
          if (response.body === null) throw new UpstreamProtocolError(`The backend answered ${new URL(url).pathname} with no body.`);
          consumed = true;
          return readBodyBytes(response.body);
        },
        header: (name) => response.headers.get(name) ?? undefined,
        release: () => {
          if (consumed || response.body === null) return;
          const { body: unread } = response;
          spreadOverTurns(() => void unread.cancel().catch(() => {}));
        },
      };
    },
  };
}

/** One value per batch: this path is for tests and embedders, not for speed. */
async function* singles(values: AsyncIterable<unknown>): AsyncGenerator<unknown[]> {
  for await (const value of values) yield [value];
}

/** The body's pieces as they arrive; the body is cancelled when reading stops, a few cancels per turn. */
async function* readBodyBytes(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value.length > 0) yield value;
    }
  } finally {
    reader.releaseLock();
    spreadOverTurns(() => void body.cancel().catch(() => {}));
  }
}
