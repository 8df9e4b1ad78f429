/**
 * Splits a file's text into overlapping windows of lines, the unit that is embedded and searched.
 * Windows prefer to end at a blank line so that chunks follow paragraphs and functions, and no chunk's
 * text is ever longer than maxChunkChars, so one minified line cannot blow an embedding request.
 */
import type { ChunkRecord } from '../types/retrieval.js';
import { sha256Hex } from '../utils/hash.js';

export interface ChunkOptions {
  /** Lines per window; default 40. */
  chunkLines: number;
  /** Lines a window shares with the previous one; default 8; must be < chunkLines. */
  overlapLines: number;
  /** Default 4000. */
  maxChunkChars?: number;
}

const DEFAULT_MAX_CHUNK_CHARS = 4000;

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = Object.freeze({
  chunkLines: 40,
  overlapLines: 8,
  maxChunkChars: DEFAULT_MAX_CHUNK_CHARS,
});

export function chunkText(path: string, text: string, options: ChunkOptions = DEFAULT_CHUNK_OPTIONS): ChunkRecord[] {
  const { chunkLines, overlapLines } = options;
  const maxChunkChars = options.maxChunkChars ?? DEFAULT_MAX_CHUNK_CHARS;
  validate(chunkLines, overlapLines, maxChunkChars);
  if (isBlank(text)) return [];

  const lines = splitLines(text);
  const blank = lines.map(isBlank);
  // lineStart[i] = characters in lines[0..i), so any window's text length costs O(1).
  const lineStart = new Array<number>(lines.length + 1);
  lineStart[0] = 0;
  for (let index = 0; index < lines.length; index++) {
    lineStart[index + 1] = (lineStart[index] as number) + (lines[index] as string).length;
  }
  const windowLength = (start: number, end: number): number =>
    (lineStart[end] as number) - (lineStart[start] as number) + (end - start - 1);

  const windowEnd = (start: number): number => {
    let end = Math.min(start + chunkLines, lines.length);
    const endsMidBlock = end < lines.length && !blank[end - 1] && !blank[end];
    if (endsMidBlock) {
      // End before the last blank line of the window's second half, if there is one.
      const secondHalf = start + Math.ceil((end - start) / 2);
      for (let cut = end - 1; cut >= secondHalf; cut--) {
        if (blank[cut]) {
          end = cut;
          break;
        }
      }
    }
    while (end - start > 1 && windowLength(start, end) > maxChunkChars) end--;
    return end;
  };

  const chunks: ChunkRecord[] = [];
  let start = 0;
  let coveredEnd = 0;
  while (start < lines.length) {
    const end = windowEnd(start);
    // A window shortened by the character limit can fall inside the previous one; it would only
    // repeat lines already chunked, so begin at the first line not yet covered instead.
    if (end <= coveredEnd) {
      start = coveredEnd;
      continue;
    }
    appendWindow(chunks, path, lines, start, end, maxChunkChars);
    if (end >= lines.length) break;
    coveredEnd = end;
    // The next window starts overlapLines before this one ended, but always at least one line later.
    start = Math.max(end - overlapLines, start + 1);
  }
  return chunks;
}

/** Lines [start, end) as one chunk, or a single over-long line as pieces of maxChunkChars characters. */
function appendWindow(chunks: ChunkRecord[], path: string, lines: readonly string[], start: number, end: number, maxChunkChars: number): void {
  const line = lines[start] as string;
  if (end - start === 1 && line.length > maxChunkChars) {
    let offset = 0;
    while (offset < line.length) {
      let pieceEnd = Math.min(offset + maxChunkChars, line.length);
      // Never split a surrogate pair: half a character would not survive UTF-8 encoding.
      if (pieceEnd < line.length && pieceEnd - offset > 1 && isHighSurrogate(line.charCodeAt(pieceEnd - 1))) pieceEnd--;
      appendChunk(chunks, path, start + 1, start + 1, line.slice(offset, pieceEnd));
      offset = pieceEnd;
    }
    return;
  }
  appendChunk(chunks, path, start + 1, end, lines.slice(start, end).join('\n'));
}

function appendChunk(chunks: ChunkRecord[], path: string, startLine: number, endLine: number, text: string): void {
  if (isBlank(text)) return;
  chunks.push({ path, startLine, endLine, sha256: sha256Hex(text), text });
}

/** "\n" ends a line and "\r\n" counts as one; a final line break does not start another line. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

function isBlank(text: string): boolean {
  return /^\s*$/u.test(text);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function validate(chunkLines: number, overlapLines: number, maxChunkChars: number): void {
  if (!Number.isInteger(chunkLines) || chunkLines < 1) {
    throw new RangeError(`chunkText: chunkLines must be a positive integer, got ${chunkLines}.`);
  }
  if (!Number.isInteger(overlapLines) || overlapLines < 0 || overlapLines >= chunkLines) {
    throw new RangeError(`chunkText: overlapLines must be an integer from 0 to chunkLines - 1 (${chunkLines - 1}), got ${overlapLines}.`);
  }
  if (!Number.isInteger(maxChunkChars) || maxChunkChars < 1) {
    throw new RangeError(`chunkText: maxChunkChars must be a positive integer, got ${maxChunkChars}.`);
  }
}
