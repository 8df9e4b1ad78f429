/** NDJSON read from a node stream: batches per arrival, bad lines after good ones, ends and cuts, backpressure. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readNdjsonMessage } from '../../src/llm/ndjson-message.js';
import { UpstreamProtocolError } from '../../src/utils/errors.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function collect(stream: PassThrough): Promise<unknown[][]> {
  const batches: unknown[][] = [];
  for await (const batch of readNdjsonMessage(stream)) batches.push(batch);
  return batches;
}

describe('readNdjsonMessage', () => {
  it('hands out what arrived together as one batch, and a line split across chunks whole', async () => {
    const stream = new PassThrough();
    const reading = collect(stream);
    stream.write('{"a":1}\n{"b":2}\n{"c":');
    await nextTurn();
    stream.end('3}\n');
    expect(await reading).toEqual([[{ a: 1 }, { b: 2 }], [{ c: 3 }]]);
  });

  it('splits a multi-byte character across chunks without damage, and parses a last line without newline', async () => {
    const bytes = Buffer.from('{"text":"héllo 🦙"}\n"é"');
    const stream = new PassThrough();
    const reading = collect(stream);
    let from = 0;
    for (const cut of [bytes.indexOf(0xc3) + 1, bytes.indexOf(0xf0) + 2, bytes.length - 2]) {
      stream.write(bytes.subarray(from, cut));
      from = cut;
      await nextTurn();
    }
    stream.end(bytes.subarray(bytes.length - 2));
    expect((await reading).flat()).toEqual([{ text: 'héllo 🦙' }, 'é']);
  });

  it('hands out the lines before a bad one, then throws the bad one', async () => {
    const stream = new PassThrough();
    const seen: unknown[] = [];
    stream.end('{"a":1}\nnot json\n{"b":2}\n');
    const error = await (async () => {
      try {
        for await (const batch of readNdjsonMessage(stream)) seen.push(...batch);
      } catch (caught) {
        return caught;
      }
    })();
    expect(seen).toEqual([{ a: 1 }]);
    expect(error).toBeInstanceOf(UpstreamProtocolError);
    expect((error as Error).message).toBe('Ollama sent a stream line that is not valid JSON: "not json"');
  });

  it('a stream destroyed before its end is an error, with or without a reason', async () => {
    const plain = new PassThrough();
    const reading = collect(plain);
    plain.write('{"a":1}\n');
    await nextTurn();
    plain.destroy();
    await expect(reading).rejects.toThrow('Ollama closed the connection before the answer was complete.');

    const reset = new PassThrough();
    const failing = collect(reset);
    reset.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    await expect(failing).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('reads only as the consumer asks (backpressure), and leaves its listeners behind it', async () => {
    const stream = new PassThrough({ highWaterMark: 64 });
    const reader = readNdjsonMessage(stream);
    const first = reader.next();
    stream.write('{"n":1}\n');
    expect((await first).value).toEqual([{ n: 1 }]);
    // Not asked for more: what is written now stays buffered, and the writer sees the buffer fill.
    let accepted = true;
    for (let index = 0; index < 20 && accepted; index++) accepted = stream.write(`{"n":${index + 2}}\n`);
    expect(accepted).toBe(false);
    await reader.return(undefined);
    expect(stream.listenerCount('readable') + stream.listenerCount('end') + stream.listenerCount('close')).toBe(0);
    expect(stream.destroyed).toBe(false);
  });
});
