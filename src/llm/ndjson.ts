/**
 * Reads Ollama's streaming answers: newline-delimited JSON, one object per line, ending with a
 * `done: true` object. Incremental and bounded: UTF-8 is decoded across chunk boundaries, one line
 * may not grow past a limit, a bad line is an error (never skipped), and the source is always
 * cancelled when reading stops, so a consumer that stops early also stops Ollama generating
 * (ollama-js issue #39 is what happens without that).
 */
import { spreadOverTurns } from '../utils/spread-over-turns.js';
import { UpstreamError, UpstreamProtocolError } from '../utils/errors.js';

export interface NdjsonOptions {
  /** Longest accepted line in UTF-8 bytes, not counting its line ending. Default 16 MiB. */
  maxLineBytes?: number;
}

const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
const QUOTED_LINE_CHARACTERS = 200;

/** Yields each non-blank line of `body`, parsed as JSON. */
export async function* readNdjsonLines(body: ReadableStream<Uint8Array>, options: NdjsonOptions = {}): AsyncGenerator<unknown> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  // Text after the last newline seen, and its size in bytes (kept as we go, so the check is O(chunk)).
  let pending = '';
  let pendingBytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      // The final decode flushes a multi-byte character left incomplete by the last chunk.
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      let lineStart = 0;
      for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', lineStart)) {
        const piece = text.slice(lineStart, newline);
        const line = pending + piece;
        const lineBytes = pendingBytes + Buffer.byteLength(piece);
        pending = '';
        pendingBytes = 0;
        lineStart = newline + 1;
        const parsed = parseLine(line, lineBytes, maxLineBytes);
        if (parsed !== BLANK) yield parsed;
      }
      const rest = text.slice(lineStart);
      pending += rest;
      pendingBytes += Buffer.byteLength(rest);
      // Checked before the newline arrives, so an endless line cannot grow the buffer without bound.
      checkLength(pendingBytes - (pending.endsWith('\r') ? 1 : 0), maxLineBytes);
      if (done) break;
    }
    // A last line without its trailing newline is still a line.
    const parsed = parseLine(pending, pendingBytes, maxLineBytes);
    if (parsed !== BLANK) yield parsed;
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
 * Yields Ollama's chunks up to and including the one with `done: true`, then stops reading (and
 * cancels what follows). Throws on the error line Ollama sends once a stream has started (§8.2:
 * `{"error":"…"}`, still under HTTP 200) and when the stream ends without a `done: true` chunk.
 */
export async function* readOllamaStream<T extends { done: boolean }>(
  body: ReadableStream<Uint8Array>,
  options: NdjsonOptions = {},
): AsyncGenerator<T> {
  for await (const value of readNdjsonLines(body, options)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new UpstreamProtocolError(`Ollama sent a stream line that is not a JSON object: ${quote(JSON.stringify(value))}`);
    }
    const record = value as Record<string, unknown>;
    if (typeof record.error === 'string') {
      // The stream's HTTP status was 200, but Ollama reports mid-stream failures as it would a 500.
      throw new UpstreamError(record.error, 500);
    }
    yield value as T;
    if (record.done === true) return;
  }
  throw new UpstreamProtocolError('Ollama ended the stream without a final "done" message; the answer is incomplete.');
}

const BLANK = Symbol('blank line');

function parseLine(rawLine: string, rawBytes: number, maxLineBytes: number): unknown {
  // Tolerate "\r\n" endings: the "\r" is part of the ending, not of the line.
  const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
  const lineBytes = line === rawLine ? rawBytes : rawBytes - 1;
  checkLength(lineBytes, maxLineBytes);
  if (line.trim() === '') return BLANK;
  try {
    return JSON.parse(line);
  } catch (error) {
    throw new UpstreamProtocolError(`Ollama sent a stream line that is not valid JSON: ${quote(line)}`, error);
  }
}

function checkLength(lineBytes: number, maxLineBytes: number): void {
  if (lineBytes > maxLineBytes) {
    throw new UpstreamProtocolError(
      `Ollama sent a stream line longer than the ${maxLineBytes}-byte limit; refusing to buffer more of it.`,
    );
  }
}

function quote(line: string): string {
  const shown = line.length > QUOTED_LINE_CHARACTERS ? `${line.slice(0, QUOTED_LINE_CHARACTERS)}…` : line;
  return JSON.stringify(shown);
}
