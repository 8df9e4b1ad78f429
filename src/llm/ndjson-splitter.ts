/**
 * Newline-delimited JSON cut from raw bytes: the chunks are split on the newline byte (which never
 * occurs inside a multi-byte UTF-8 character, so no decoder state is needed across chunks), each
 * complete line is decoded once and parsed once. Bounded: a line may not grow past `maxLineBytes`,
 * checked before its newline arrives. A bad line is an error, never skipped. This is the one
 * parser behind both readers (web streams and node:http), so they cannot drift apart.
 */
import { UpstreamProtocolError } from '../utils/errors.js';

export interface NdjsonOptions {
  /** Longest accepted line in UTF-8 bytes, not counting its line ending. Default 16 MiB. */
  maxLineBytes?: number;
}

export interface NdjsonSplitter {
  /**
   * Appends each complete line's value to `values`. Throws on a bad or overlong line, after the
   * values of the lines before it have been appended, so a reader can hand those out first.
   */
  push(chunk: Uint8Array, values: unknown[]): void;
  /** The body has ended: a last line without its newline is still a line. */
  end(values: unknown[]): void;
}

const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
const QUOTED_LINE_CHARACTERS = 200;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const OPEN_BRACE = 0x7b;

export function createNdjsonSplitter(options: NdjsonOptions = {}): NdjsonSplitter {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  // The bytes after the last newline seen, kept as the chunks they came in.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let atStart = true;

  /** The line `bytes[start, end)`, without its newline. */
  const line = (bytes: Buffer, start: number, end: number, values: unknown[]): void => {
    // Tolerate "\r\n" endings: the "\r" is part of the ending, not of the line.
    if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end -= 1;
    checkLength(end - start, maxLineBytes);
    if (end === start) return;
    const text = bytes.toString('utf8', start, end);
    // A line that is not an object is unusual; only then is it worth asking whether it is blank.
    if (bytes[start] !== OPEN_BRACE && text.trim() === '') return;
    try {
      values.push(JSON.parse(text));
    } catch (error) {
      throw new UpstreamProtocolError(`Ollama sent a stream line that is not valid JSON: ${quote(text)}`, error);
    }
  };

  return {
    push(chunk, values) {
      let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (atStart && bytes.length > 0) {
        // TextDecoder, which this replaces, drops a byte order mark at the start of the stream.
        atStart = false;
        if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      }
      let start = 0;
      for (let newline = bytes.indexOf(NEWLINE); newline !== -1; newline = bytes.indexOf(NEWLINE, start)) {
        const lineStart = start;
        start = newline + 1;
        if (pending.length === 0) {
          line(bytes, lineStart, newline, values);
        } else {
          pending.push(bytes.subarray(lineStart, newline));
          const whole = Buffer.concat(pending, pendingBytes + newline - lineStart);
          pending = [];
          pendingBytes = 0;
          line(whole, 0, whole.length, values);
        }
      }
      if (start < bytes.length) {
        // Copied: the chunk may be a view of memory its source reuses.
        const rest = Buffer.from(bytes.subarray(start));
        pending.push(rest);
        pendingBytes += rest.length;
        // Checked before the newline arrives, so an endless line cannot grow the buffer without bound.
        const last = rest[rest.length - 1];
        checkLength(pendingBytes - (last === CARRIAGE_RETURN ? 1 : 0), maxLineBytes);
      }
    },
    end(values) {
      if (pending.length === 0) return;
      const whole = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      line(whole, 0, whole.length, values);
    },
  };
}

function checkLength(lineBytes: number, maxLineBytes: number): void {
  if (lineBytes > maxLineBytes) {
    throw new UpstreamProtocolError(`Ollama sent a stream line longer than the ${maxLineBytes}-byte limit; refusing to buffer more of it.`);
  }
}

function quote(line: string): string {
  const shown = line.length > QUOTED_LINE_CHARACTERS ? `${line.slice(0, QUOTED_LINE_CHARACTERS)}…` : line;
  return JSON.stringify(shown);
}
