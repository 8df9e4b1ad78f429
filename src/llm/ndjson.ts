/**
 * Reads Ollama's streaming answers: newline-delimited JSON, one object per line, ending with a
 * `done: true` object. The lines are cut and parsed by `ndjson-splitter.ts` (bounded, a bad line is
 * an error, never skipped); this file reads them from a web stream (an injected fetch's body), and
 * checks Ollama's own rules on the values whatever they were read from. The web stream is always
 * cancelled when reading stops, so a consumer that stops early also stops Ollama generating
 * (ollama-js issue #39 is what happens without that).
 */
import { createNdjsonSplitter, type NdjsonOptions } from './ndjson-splitter.js';
import { spreadOverTurns } from '../utils/spread-over-turns.js';
import { UpstreamError, UpstreamProtocolError } from '../utils/errors.js';

export type { NdjsonOptions } from './ndjson-splitter.js';

/** Yields each non-blank line of `body`, parsed as JSON. */
export async function* readNdjsonLines(body: ReadableStream<Uint8Array>, options: NdjsonOptions = {}): AsyncGenerator<unknown> {
  const splitter = createNdjsonSplitter(options);
  const reader = body.getReader();
  const values: unknown[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      let failure: unknown;
      try {
        if (done) splitter.end(values);
        else splitter.push(value, values);
      } catch (error) {
        failure = error;
      }
      // The lines before a bad one are still handed out, in order, before its error.
      for (let index = 0; index < values.length; index++) yield values[index];
      values.length = 0;
      if (failure !== undefined) throw failure;
      if (done) return;
    }
  } finally {
    // Runs on normal end, on error and when the consumer stops early (return()). Cancelling an
    // already-closed stream is harmless; a failed cancel has nothing left to tell us. The cancel
    // closes the socket, about half a millisecond of work: it is spread over turns of the event
    // loop, because a thousand clients gone at once meet their next chunks together.
    reader.releaseLock();
    spreadOverTurns(() => void body.cancel().catch(() => {}));
  }
}

/**
 * Yields Ollama's chunks read from a web stream, up to and including the one with `done: true`,
 * then stops reading (and cancels what follows). See `readOllamaValues` for the rules.
 */
export function readOllamaStream<T extends { done: boolean }>(body: ReadableStream<Uint8Array>, options: NdjsonOptions = {}): AsyncGenerator<T> {
  return readOllamaValues<T>(readNdjsonLines(body, options));
}

/**
 * Ollama's rules for a stream of parsed lines: every line is an object; the error line Ollama
 * sends once a stream has started (§8.2: `{"error":"…"}`, still under HTTP 200) is thrown; the
 * `done: true` chunk is the last one read; a stream that ends without it is an error.
 */
export async function* readOllamaValues<T extends { done: boolean }>(values: AsyncIterable<unknown>): AsyncGenerator<T> {
  for await (const value of values) {
    const chunk = toOllamaChunk<T>(value);
    yield chunk;
    if (chunk.done === true) return;
  }
  throw incompleteStream();
}

/** One line checked by Ollama's rules: an object, and not the in-stream error line. */
export function toOllamaChunk<T extends { done: boolean }>(value: unknown): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UpstreamProtocolError(`Ollama sent a stream line that is not a JSON object: ${quote(JSON.stringify(value))}`);
  }
  const record = value as Record<string, unknown>;
  if (typeof record.error === 'string') {
    // The stream's HTTP status was 200, but Ollama reports mid-stream failures as it would a 500.
    throw new UpstreamError(record.error, 500);
  }
  return value as T;
}

/** The error for a stream that ended before its `done: true` chunk. */
export function incompleteStream(): UpstreamProtocolError {
  return new UpstreamProtocolError('Ollama ended the stream without a final "done" message; the answer is incomplete.');
}

const QUOTED_LINE_CHARACTERS = 200;

function quote(line: string): string {
  const shown = line.length > QUOTED_LINE_CHARACTERS ? `${line.slice(0, QUOTED_LINE_CHARACTERS)}…` : line;
  return JSON.stringify(shown);
}
