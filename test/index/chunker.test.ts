import { describe, expect, it } from 'vitest';
import { chunkText, DEFAULT_CHUNK_OPTIONS, type ChunkOptions } from '../../src/index/chunker.js';
import type { ChunkRecord } from '../../src/types/retrieval.js';
import { sha256Hex } from '../../src/utils/hash.js';

function numberedLines(count: number, prefix = 'line'): string {
  return Array.from({ length: count }, (_, index) => `${prefix} ${index + 1}`).join('\n');
}

function spans(chunks: readonly ChunkRecord[]): string[] {
  return chunks.map((chunk) => `${chunk.startLine}-${chunk.endLine}`);
}

/** Every non-blank line of `text` lies inside some chunk, and each chunk's text is its lines. */
function expectFaithful(text: string, chunks: readonly ChunkRecord[]): void {
  const lines = text.split(/\r?\n/);
  const covered = new Set<number>();
  for (const chunk of chunks) {
    for (let line = chunk.startLine; line <= chunk.endLine; line++) covered.add(line);
    expect(chunk.sha256).toBe(sha256Hex(chunk.text));
    if (chunk.startLine !== chunk.endLine || chunk.text.length === lines[chunk.startLine - 1]?.length) {
      expect(chunk.text).toBe(lines.slice(chunk.startLine - 1, chunk.endLine).join('\n'));
    }
  }
  lines.forEach((line, index) => {
    if (line.trim() !== '') expect(covered.has(index + 1)).toBe(true);
  });
}

describe('chunkText: lines', () => {
  it('returns no chunks for an empty or whitespace-only file', () => {
    expect(chunkText('a.txt', '')).toEqual([]);
    expect(chunkText('a.txt', '\n\n\n')).toEqual([]);
    expect(chunkText('a.txt', '  \t\n \r\n\n')).toEqual([]);
  });

  it('keeps the last line of a file with no trailing newline', () => {
    const expected = [{ path: 'a.txt', startLine: 1, endLine: 2, sha256: sha256Hex('a\nb'), text: 'a\nb' }];
    expect(chunkText('a.txt', 'a\nb')).toEqual(expected);
    expect(chunkText('a.txt', 'a\nb\n')).toEqual(expected);
  });

  it('treats CRLF as one line break and keeps no \\r', () => {
    expect(chunkText('a.txt', 'a\r\nb\r\n')).toEqual(chunkText('a.txt', 'a\nb\n'));
    expect(chunkText('a.txt', 'a\r\n\r\nb').map((chunk) => chunk.text)).toEqual(['a\n\nb']);
    // A lone \r is not a line break.
    expect(chunkText('a.txt', 'a\rb')).toMatchObject([{ startLine: 1, endLine: 1, text: 'a\rb' }]);
  });

  it('numbers lines from 1, counting leading blank lines', () => {
    expect(chunkText('a.txt', '\n\nhello\n')).toMatchObject([{ startLine: 1, endLine: 3, text: '\n\nhello' }]);
  });

  it('uses 40 lines, 8 of overlap and 4000 characters by default', () => {
    expect(DEFAULT_CHUNK_OPTIONS).toEqual({ chunkLines: 40, overlapLines: 8, maxChunkChars: 4000 });
    expect(spans(chunkText('a.txt', numberedLines(100)))).toEqual(spans(chunkText('a.txt', numberedLines(100), DEFAULT_CHUNK_OPTIONS)));
  });

  it('rejects options that could not make progress', () => {
    expect(() => chunkText('a.txt', 'x', { chunkLines: 10, overlapLines: 10 })).toThrow(RangeError);
    expect(() => chunkText('a.txt', 'x', { chunkLines: 0, overlapLines: 0 })).toThrow(RangeError);
    expect(() => chunkText('a.txt', 'x', { chunkLines: 10, overlapLines: -1 })).toThrow(RangeError);
    expect(() => chunkText('a.txt', 'x', { chunkLines: 1.5, overlapLines: 0 })).toThrow(RangeError);
    expect(() => chunkText('a.txt', 'x', { chunkLines: 10, overlapLines: 2, maxChunkChars: 0 })).toThrow(RangeError);
  });
});

describe('chunkText: windows', () => {
  it('starts each window overlapLines before the previous one ended', () => {
    expect(spans(chunkText('a.txt', numberedLines(100)))).toEqual(['1-40', '33-72', '65-100']);
    expect(spans(chunkText('a.txt', numberedLines(100), { chunkLines: 40, overlapLines: 0 }))).toEqual(['1-40', '41-80', '81-100']);
    expect(spans(chunkText('a.txt', numberedLines(10), { chunkLines: 4, overlapLines: 3 }))).toEqual(['1-4', '2-5', '3-6', '4-7', '5-8', '6-9', '7-10']);
    expect(spans(chunkText('a.txt', numberedLines(40)))).toEqual(['1-40']);
    expect(spans(chunkText('a.txt', numberedLines(41)))).toEqual(['1-40', '33-41']);
  });

  it('ends a window at the last blank line of its second half instead of mid-block', () => {
    const text = `${numberedLines(30, 'a')}\n\n${numberedLines(29, 'b')}`;
    const chunks = chunkText('a.txt', text);
    expect(spans(chunks)).toEqual(['1-30', '23-60']);
    expect(chunks[0]?.text).toBe(numberedLines(30, 'a'));
  });

  it('picks the last of several blank lines in the second half', () => {
    const text = `${numberedLines(24, 'a')}\n\n${numberedLines(9, 'b')}\n\n${numberedLines(30, 'c')}`;
    // Blank lines are lines 25 and 35; the window ends just before line 35.
    expect(spans(chunkText('a.txt', text))[0]).toBe('1-34');
  });

  it('ignores blank lines in the first half, and windows that already end at a blank line', () => {
    const early = `${numberedLines(10, 'a')}\n\n${numberedLines(50, 'b')}`;
    expect(spans(chunkText('a.txt', early))[0]).toBe('1-40');
    const onBoundary = `${numberedLines(40, 'a')}\n\n${numberedLines(10, 'b')}`;
    expect(spans(chunkText('a.txt', onBoundary))[0]).toBe('1-40');
  });

  it('drops chunks that are only whitespace', () => {
    const chunks = chunkText('a.txt', 'a\nb\n \n\t\nc', { chunkLines: 2, overlapLines: 0 });
    expect(chunks.map(({ startLine, endLine, text }) => ({ startLine, endLine, text }))).toEqual([
      { startLine: 1, endLine: 2, text: 'a\nb' },
      { startLine: 5, endLine: 5, text: 'c' },
    ]);
  });
});

describe('chunkText: the character limit', () => {
  const small: ChunkOptions = { chunkLines: 40, overlapLines: 8, maxChunkChars: 100 };

  it('splits a line longer than maxChunkChars into pieces on that line', () => {
    const text = `short\n${'x'.repeat(250)}\nafter`;
    const chunks = chunkText('a.txt', text, small);
    expect(chunks.map(({ startLine, endLine, text: chunkText }) => [startLine, endLine, chunkText.length])).toEqual([
      [1, 1, 5],
      [2, 2, 100],
      [2, 2, 100],
      [2, 2, 50],
      [3, 3, 5],
    ]);
    expect(chunks.slice(1, 4).map((chunk) => chunk.text).join('')).toBe('x'.repeat(250));
  });

  it('shortens a window by lines so its text fits, keeping at least one line', () => {
    const lines = Array.from({ length: 10 }, (_, index) => `${index}`.padEnd(30, '.'));
    const text = lines.join('\n');
    const chunks = chunkText('a.txt', text, small);
    // Three 30-character lines and two newlines make 92 characters; four would make 123.
    expect(spans(chunks)).toEqual(['1-3', '2-4', '3-5', '4-6', '5-7', '6-8', '7-9', '8-10']);
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(100);
    expectFaithful(text, chunks);
  });

  it('never repeats lines already chunked just because a long line cut a window short', () => {
    const text = `${numberedLines(20, 'a')}\n${'L'.repeat(5000)}\n${numberedLines(20, 'b')}`;
    const chunks = chunkText('a.txt', text);
    expect(spans(chunks)).toEqual(['1-20', '21-21', '21-21', '22-41']);
    expectFaithful(text, chunks);
  });

  it('never splits a surrogate pair', () => {
    const line = `a${'😀'.repeat(150)}`;
    const chunks = chunkText('a.txt', line, small);
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(100);
      expect(loneSurrogate.test(chunk.text)).toBe(false);
    }
    expect(chunks.map((chunk) => chunk.text).join('')).toBe(line);
  });

  it('never makes a chunk longer than maxChunkChars', () => {
    // Deterministic mixed input: lines of varied length, some blank, some huge.
    const lines: string[] = [];
    for (let index = 0; index < 2000; index++) {
      const length = (index * 7919) % 331;
      lines.push(index % 13 === 0 ? '' : index % 97 === 0 ? 'h'.repeat(777) : 'c'.repeat(length));
    }
    const text = lines.join('\n');
    for (const options of [small, { chunkLines: 5, overlapLines: 4, maxChunkChars: 250 }, DEFAULT_CHUNK_OPTIONS]) {
      const chunks = chunkText('a.txt', text, options);
      for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(options.maxChunkChars ?? 4000);
      expectFaithful(text, chunks);
    }
  });
});

describe('chunkText: pathological input', () => {
  it('makes steady progress over 10,000 blank-line-separated one-line paragraphs', () => {
    const text = Array.from({ length: 10_000 }, (_, index) => `paragraph ${index + 1}`).join('\n\n');
    const chunks = chunkText('a.txt', text);
    expectFaithful(text, chunks);
    // 19,999 lines in windows of 40 that advance by 32.
    expect(chunks.length).toBe(625);
    for (let index = 1; index < chunks.length; index++) {
      expect((chunks[index] as ChunkRecord).startLine).toBeGreaterThan((chunks[index - 1] as ChunkRecord).startLine);
    }
  });

  it('splits a 10 MB single line into pieces that rebuild it exactly', () => {
    const line = 'abcdefghij'.repeat(1024 * 1024);
    const chunks = chunkText('big.min.js', line);
    expect(chunks.length).toBe(Math.ceil(line.length / 4000));
    for (const chunk of chunks) {
      expect(chunk.startLine).toBe(1);
      expect(chunk.endLine).toBe(1);
      expect(chunk.text.length).toBeLessThanOrEqual(4000);
    }
    expect(chunks.map((chunk) => chunk.text).join('')).toBe(line);
  });
});

describe('chunkText: determinism', () => {
  it('gives identical chunks, hashes included, for the same input', () => {
    const text = `${numberedLines(70)}\n\n${'z'.repeat(9000)}\n${numberedLines(30, 'tail')}\r\n`;
    const first = chunkText('src/a.ts', text);
    expect(chunkText('src/a.ts', text)).toEqual(first);
    expect(first.every((chunk) => chunk.path === 'src/a.ts' && chunk.sha256 === sha256Hex(chunk.text))).toBe(true);
    expect(first[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
