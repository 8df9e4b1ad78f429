/** The server-sent events parser: every line ending, comments, fields, pieces split anywhere, and its bound. */
import { describe, expect, it } from 'vitest';
import { createSseSplitter, type SseEvent } from '../../src/llm/openai/sse-splitter.js';
import { readSseValues, SSE_DONE } from '../../src/llm/openai/sse-values.js';
import { UpstreamProtocolError } from '../../src/utils/errors.js';

function split(pieces: (string | Uint8Array)[], options?: { maxEventChars?: number }): SseEvent[] {
  const splitter = createSseSplitter(options);
  const events: SseEvent[] = [];
  for (const piece of pieces) splitter.push(typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece, events);
  splitter.end(events);
  return events;
}

async function* from(pieces: string[]): AsyncGenerator<Uint8Array> {
  for (const piece of pieces) yield Buffer.from(piece, 'utf8');
}

describe('createSseSplitter', () => {
  it('reads LF, CRLF and CR endings, comments, event names and multi-line data', () => {
    expect(split([': hello\n\ndata: a\n\r\ndata:b\r\rdata: c\ndata: d\n\nevent: error\ndata: {"x":1}\nid: 7\nretry: 10\n\n'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
      { event: 'message', data: 'c\nd' },
      { event: 'error', data: '{"x":1}' },
    ]);
  });

  it('gives the same events whatever the pieces, a CRLF and a UTF-8 character split included', () => {
    const text = 'data: {"content":"héllo ✓"}\r\n\r\ndata: [DONE]\r\n\r\n';
    const bytes = Buffer.from(text, 'utf8');
    const whole = split([bytes]);
    for (let cut = 1; cut < bytes.length; cut++) expect(split([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(whole);
    expect(split([...bytes].map((byte) => Uint8Array.of(byte)))).toEqual(whole);
    expect(whole).toEqual([{ event: 'message', data: '{"content":"héllo ✓"}' }, { event: 'message', data: '[DONE]' }]);
  });

  it('dispatches a last event that lacks its blank line, and drops a leading BOM', () => {
    expect(split(['\uFEFFdata: x\n\ndata: [DONE]'])).toEqual([{ event: 'message', data: 'x' }, { event: 'message', data: '[DONE]' }]);
  });

  it('refuses a line or an event past its bound', () => {
    expect(() => split(['data: ' + 'x'.repeat(100)], { maxEventChars: 50 })).toThrow(UpstreamProtocolError);
    expect(() => split(['data: aaaaaaaaaa\n'.repeat(10)], { maxEventChars: 50 })).toThrow(/longer than the 50-character limit/);
  });
});

describe('readSseValues', () => {
  it('parses each data as JSON, a batch per piece, with [DONE] as its marker', async () => {
    const batches: unknown[][] = [];
    for await (const batch of readSseValues(from(['data: {"a":1}\n\ndata: {"b"', ':2}\n\ndata: [DONE]\n\n']), 'Test')) batches.push(batch);
    expect(batches).toEqual([[{ a: 1 }], [{ b: 2 }, SSE_DONE]]);
  });

  it('hands out the values before a bad one, then throws', async () => {
    const seen: unknown[] = [];
    const reading = (async () => {
      for await (const batch of readSseValues(from(['data: {"a":1}\n\ndata: nope\n\n']), 'Test')) seen.push(...batch);
    })();
    await expect(reading).rejects.toThrow('Test sent a stream event that is not valid JSON: "nope"');
    expect(seen).toEqual([{ a: 1 }]);
  });
});
