import { describe, it, expect } from 'vitest';
import { readNdjsonLines, readOllamaStream } from '../../src/llm/ndjson.js';
import { UpstreamError, UpstreamProtocolError } from '../../src/utils/errors.js';

const encoder = new TextEncoder();

interface Source {
  body: ReadableStream<Uint8Array>;
  /** How many chunks the consumer pulled, and whether (and why) it cancelled. */
  pulls: () => number;
  cancelled: () => boolean;
  /** Whether the body gets cancelled within a few turns of the event loop (the cancel is spread over turns). */
  cancelledSoon: () => Promise<boolean>;
}

/** A body that hands out the given chunks one per pull, recording pulls and cancellation. */
function sourceOf(chunks: Array<string | Uint8Array>): Source {
  let index = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[index++];
        if (chunk === undefined) controller.close();
        else controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  const cancelledSoon = async (): Promise<boolean> => {
    for (let turn = 0; turn < 50 && !cancelled; turn++) await new Promise((resolve) => setImmediate(resolve));
    return cancelled;
  };
  return { body, pulls: () => index, cancelled: () => cancelled, cancelledSoon };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('readNdjsonLines', () => {
  it('reassembles a line split across chunks', async () => {
    const { body } = sourceOf(['{"a":', '1}\n{"b"', ':2}\n']);
    expect(await collect(readNdjsonLines(body))).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('decodes a multi-byte UTF-8 character split across chunks', async () => {
    const bytes = encoder.encode('{"text":"héllo 🦙"}\n');
    // Split inside "é" (2 bytes) and inside the 4-byte llama.
    const eAt = bytes.indexOf(0xc3) + 1;
    const llamaAt = bytes.indexOf(0xf0) + 2;
    const { body } = sourceOf([bytes.slice(0, eAt), bytes.slice(eAt, llamaAt), bytes.slice(llamaAt)]);
    expect(await collect(readNdjsonLines(body))).toEqual([{ text: 'héllo 🦙' }]);
  });

  it('delivers a character split by the very last chunk boundary (final flush)', async () => {
    const bytes = encoder.encode('"é"');
    const { body } = sourceOf([bytes.slice(0, 2), bytes.slice(2)]);
    expect(await collect(readNdjsonLines(body))).toEqual(['é']);
  });

  it('tolerates CRLF, including a CR and LF in different chunks', async () => {
    const { body } = sourceOf(['{"a":1}\r\n{"b":2}\r', '\n']);
    expect(await collect(readNdjsonLines(body))).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('skips blank lines', async () => {
    const { body } = sourceOf(['\n\n{"a":1}\n  \n\r\n{"b":2}\n\n']);
    expect(await collect(readNdjsonLines(body))).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('parses a last line without a trailing newline', async () => {
    const { body } = sourceOf(['{"a":1}\n{"b":', '2}']);
    expect(await collect(readNdjsonLines(body))).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('throws UpstreamProtocolError quoting a bad line, with the parse error as cause, and cancels', async () => {
    const source = sourceOf(['{"a":1}\n', 'not json at all\n', '{"b":2}\n']);
    const error = await caught(collect(readNdjsonLines(source.body)));
    expect(error).toBeInstanceOf(UpstreamProtocolError);
    expect((error as Error).message).toBe('Ollama sent a stream line that is not valid JSON: "not json at all"');
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    expect(await source.cancelledSoon()).toBe(true);
  });

  it('truncates a long bad line in the message', async () => {
    const { body } = sourceOf([`{${'x'.repeat(1000)}\n`]);
    const error = (await caught(collect(readNdjsonLines(body)))) as Error;
    expect(error.message).toBe(`Ollama sent a stream line that is not valid JSON: "{${'x'.repeat(199)}…"`);
  });

  it('accepts a line of exactly maxLineBytes and rejects one byte more, naming the limit', async () => {
    const exact = `"${'é'.repeat(4)}"`; // 2 + 4 × 2 = 10 bytes
    expect(await collect(readNdjsonLines(sourceOf([`${exact}\r\n`]).body, { maxLineBytes: 10 }))).toEqual(['éééé']);
    const error = await caught(collect(readNdjsonLines(sourceOf([`"${'é'.repeat(4)}x"\n`]).body, { maxLineBytes: 10 })));
    expect(error).toBeInstanceOf(UpstreamProtocolError);
    expect((error as Error).message).toContain('10-byte limit');
  });

  it('stops an endless line before its newline arrives, and cancels the source', async () => {
    const chunks = Array.from({ length: 1000 }, () => 'x'.repeat(100));
    const source = sourceOf(chunks);
    const error = await caught(collect(readNdjsonLines(source.body, { maxLineBytes: 1000 })));
    expect(error).toBeInstanceOf(UpstreamProtocolError);
    expect(source.pulls()).toBeLessThan(20);
    expect(await source.cancelledSoon()).toBe(true);
  });

  it('cancels the underlying stream when the consumer stops early', async () => {
    const source = sourceOf(['{"n":1}\n', '{"n":2}\n', '{"n":3}\n']);
    for await (const value of readNdjsonLines(source.body)) {
      expect(value).toEqual({ n: 1 });
      break;
    }
    expect(await source.cancelledSoon()).toBe(true);
    expect(source.pulls()).toBe(1);
  });

  it('cancels on a later turn of the event loop, not inside the consumer\'s own', async () => {
    const source = sourceOf(['{"n":1}\n', '{"n":2}\n']);
    for await (const value of readNdjsonLines(source.body)) {
      expect(value).toEqual({ n: 1 });
      break;
    }
    // A thousand consumers stopping together would otherwise close a thousand sockets in one turn.
    expect(source.cancelled()).toBe(false);
    expect(await source.cancelledSoon()).toBe(true);
  });

  it('releases the lock when done', async () => {
    const { body } = sourceOf(['{"a":1}\n']);
    await collect(readNdjsonLines(body));
    expect(body.locked).toBe(false);
  });
});

describe('readOllamaStream', () => {
  const chunk = (content: string, done = false) => `${JSON.stringify({ message: { role: 'assistant', content }, done })}\n`;

  it('yields chunks up to and including done:true, then cancels what follows', async () => {
    const source = sourceOf([chunk('Hel'), chunk('lo'), chunk('', true), 'garbage that is never read\n']);
    const chunks = await collect(readOllamaStream<{ done: boolean; message: { content: string } }>(source.body));
    expect(chunks.map((item) => item.message.content)).toEqual(['Hel', 'lo', '']);
    expect(chunks.at(-1)?.done).toBe(true);
    expect(await source.cancelledSoon()).toBe(true);
  });

  it('turns a mid-stream error line into UpstreamError with the message', async () => {
    const source = sourceOf([chunk('.'), '{"error":"an error was encountered while running the model: boom"}\n']);
    const seen: unknown[] = [];
    const error = await caught(
      (async () => {
        for await (const item of readOllamaStream(source.body)) seen.push(item);
      })(),
    );
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).message).toBe('an error was encountered while running the model: boom');
    expect((error as UpstreamError).upstreamStatus).toBe(500);
    expect(await source.cancelledSoon()).toBe(true);
  });

  it('rejects a line that is not an object', async () => {
    const error = await caught(collect(readOllamaStream(sourceOf(['[1,2]\n']).body)));
    expect(error).toBeInstanceOf(UpstreamProtocolError);
    expect((error as Error).message).toBe('Ollama sent a stream line that is not a JSON object: "[1,2]"');
  });

  it('throws UpstreamProtocolError when the body ends without done:true', async () => {
    const error = await caught(collect(readOllamaStream(sourceOf([chunk('partial')]).body)));
    expect(error).toBeInstanceOf(UpstreamProtocolError);
    expect((error as Error).message).toBe('Ollama ended the stream without a final "done" message; the answer is incomplete.');
  });

  it('cancels the underlying stream when the consumer stops early', async () => {
    const source = sourceOf([chunk('a'), chunk('b'), chunk('', true)]);
    for await (const item of readOllamaStream(source.body)) {
      expect(item.done).toBe(false);
      break;
    }
    expect(await source.cancelledSoon()).toBe(true);
  });
});
