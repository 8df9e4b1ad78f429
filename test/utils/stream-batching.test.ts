/**
 * The SSE writer gathers the events of one run of microtasks (a handler after its first await, as
 * every handler writes its events) into one write: the headers and the first events
 * leave together, a batch is one chunk of the body, and a write from elsewhere (sendError's final
 * error event) still comes after every event written before it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { sendError } from '../../src/server/error-response.js';
import { UpstreamError } from '../../src/utils/errors.js';
import { createSseWriter } from '../../src/utils/stream.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())))));
});

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>): Promise<number> {
  const server = createServer((request, response) => void handler(request, response));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function body(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** Counts what the writer hands to the response. */
function countWrites(response: ServerResponse): { writes: number; flushes: number } {
  const counts = { writes: 0, flushes: 0 };
  const write = response.write.bind(response) as (chunk: string) => boolean;
  const flushHeaders = response.flushHeaders.bind(response);
  response.write = ((chunk: string) => {
    counts.writes += 1;
    return write(chunk);
  }) as typeof response.write;
  response.flushHeaders = () => {
    counts.flushes += 1;
    flushHeaders();
  };
  return counts;
}

describe('createSseWriter batching', () => {
  it('the events of one tick are one write, sent with the headers; the next tick is the next write', async () => {
    let counts = { writes: 0, flushes: 0 };
    const port = await serve(async (_request, response) => {
      counts = countWrites(response);
      // As a handler writes: after an await, inside a run of microtasks.
      await Promise.resolve();
      const writer = createSseWriter(response);
      writer.open();
      await writer.data(1);
      await writer.data(2);
      await writer.comment('c');
      await new Promise((resolve) => setImmediate(resolve));
      await writer.data(3);
      await new Promise((resolve) => setImmediate(resolve));
      await writer.done();
    });
    expect(await body(port)).toBe('data: 1\n\ndata: 2\n\n: c\n\ndata: 3\n\ndata: [DONE]\n\n');
    expect(counts).toEqual({ writes: 2, flushes: 0 });
  });

  it('the first bytes on the wire are the headers with the first event', async () => {
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response);
      writer.open();
      await writer.data({ first: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await writer.done();
    });
    const socket = connect(port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const first = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
    socket.destroy();
    expect(first).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n[0-9a-f]+\r\ndata: \{"first":true\}\n\n\r\n$/);
  });

  it('open() alone still sends the headers in its tick', async () => {
    let counts = { writes: 0, flushes: 0 };
    const port = await serve(async (_request, response) => {
      counts = countWrites(response);
      const writer = createSseWriter(response);
      writer.open();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await writer.done();
    });
    expect(await body(port)).toBe('data: [DONE]\n\n');
    expect(counts).toEqual({ writes: 0, flushes: 1 });
  });

  it('an error event written by sendError follows the events gathered before it', async () => {
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response);
      await writer.data({ n: 1 });
      await writer.data({ n: 2 });
      sendError(response, new UpstreamError('Ollama failed', 500));
    });
    const text = await body(port);
    expect(text.startsWith('data: {"n":1}\n\ndata: {"n":2}\n\ndata: {"error":{"message":"Ollama failed"')).toBe(true);
  });

  it('end() sends what is gathered, then ends without [DONE]', async () => {
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response);
      await writer.data('last');
      writer.end();
    });
    expect(await body(port)).toBe('data: "last"\n\n');
  });

  it('a big batch goes out before the end of the tick', async () => {
    let counts = { writes: 0, flushes: 0 };
    const port = await serve(async (_request, response) => {
      counts = countWrites(response);
      await Promise.resolve();
      const writer = createSseWriter(response);
      const payload = 'x'.repeat(10_000);
      await writer.data(payload);
      expect(counts.writes).toBe(0);
      await writer.data(payload);
      expect(counts.writes).toBe(1);
      await writer.done();
    });
    expect((await body(port)).length).toBe(2 * (10_000 + 10) + 'data: [DONE]\n\n'.length);
  });
});
