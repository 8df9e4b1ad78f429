import { describe, it, expect, afterEach } from 'vitest';
import { createServer, get } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createSseWriter } from '../../src/utils/stream.js';
import type { SseWriter } from '../../src/utils/stream.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

async function serve(handler: Handler): Promise<number> {
  const server = createServer((request, response) => {
    void handler(request, response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Status, headers and the whole body as text, read with node:http (which exposes every header). */
function fetchAll(port: number): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** 'settled' when the promise settles within `ms`, else 'pending'. */
async function within(promise: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  return Promise.race([promise.then(() => 'settled' as const, () => 'settled' as const), delay(ms).then(() => 'pending' as const)]);
}

/**
 * Keeps writing 64 KiB events to a client that does not read, until one data() stays unresolved
 * (the socket buffers are full and the writer is waiting for 'drain'). Returns that pending write,
 * wrapped: an async function returning a bare promise would wait for it.
 */
async function fillUntilBlocked(writer: SseWriter): Promise<{ pending: Promise<void> }> {
  const payload = 'x'.repeat(64 * 1024);
  for (let attempt = 0; attempt < 2000; attempt++) {
    const pending = writer.data({ payload });
    if ((await within(pending, 30)) === 'pending') return { pending };
  }
  throw new Error('the socket never filled up');
}

/** A raw client that sends a request and then reads nothing, so the server's buffers fill up. */
function stalledClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  socket.pause();
  return socket;
}

describe('createSseWriter', () => {
  it('writes the exact bytes of data, comment and done, after SSE headers', async () => {
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response, { headers: { 'X-Request-Id': 'req-1' } });
      writer.open();
      await writer.data({ id: 'chatcmpl-1', choices: [{ delta: { content: 'Hi\n"there"' } }] });
      await writer.comment('hello');
      await writer.data('é');
      await writer.done();
      expect(writer.closed).toBe(true);
    });
    const { status, headers, body } = await fetchAll(port);
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toBe('no-cache');
    expect(headers['connection']).toBe('keep-alive');
    expect(headers['x-accel-buffering']).toBe('no');
    expect(headers['x-request-id']).toBe('req-1');
    expect(body).toBe(
      'data: {"id":"chatcmpl-1","choices":[{"delta":{"content":"Hi\\n\\"there\\""}}]}\n\n' + ': hello\n\n' + 'data: "é"\n\n' + 'data: [DONE]\n\n',
    );
  });

  it('lets options.headers override a default regardless of case', async () => {
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response, { headers: { 'Cache-Control': 'no-store' } });
      await writer.done();
    });
    const { headers, body } = await fetchAll(port);
    expect(headers['cache-control']).toBe('no-store');
    expect(body).toBe('data: [DONE]\n\n');
  });

  it('end() closes without [DONE]; later writes are no-ops', async () => {
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response);
      await writer.data({ error: { message: 'boom' } });
      writer.end();
      expect(writer.closed).toBe(true);
      await writer.data({ ignored: true });
      await writer.comment('ignored');
      await writer.done();
      writer.end();
    });
    const { body } = await fetchAll(port);
    expect(body).toBe('data: {"error":{"message":"boom"}}\n\n');
  });

  it('flushes the headers on open(), before any data', async () => {
    const release = deferred();
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response);
      writer.open();
      await release.promise;
      await writer.data(1);
      await writer.done();
    });
    // fetch resolves on headers; if open() did not flush them this would wait for `release` forever.
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    release.resolve();
    expect(await response.text()).toBe('data: 1\n\ndata: [DONE]\n\n');
  });

  it('sends ": keep-alive" (never "ping") after keepAliveMs of silence', async () => {
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response, { keepAliveMs: 25 });
      writer.open();
      await delay(150);
      await writer.done();
    });
    const { body } = await fetchAll(port);
    expect(body).toMatch(/^(: keep-alive\n\n){2,}data: \[DONE\]\n\n$/);
    expect(body).not.toContain('ping');
  });

  it('does not send keep-alives while other writes keep the stream busy', async () => {
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response, { keepAliveMs: 200 });
      writer.open();
      for (let index = 0; index < 12; index++) {
        await writer.data(index);
        await delay(10);
      }
      await writer.done();
    });
    const { body } = await fetchAll(port);
    expect(body).toBe(`${Array.from({ length: 12 }, (_, index) => `data: ${index}\n\n`).join('')}data: [DONE]\n\n`);
  });

  it('stops the keep-alive once its signal aborts (read when the timer fires, no listener on the signal)', async () => {
    const controller = new AbortController();
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response, { keepAliveMs: 20, signal: controller.signal });
      writer.open();
      await delay(50);
      controller.abort(new Error('gone'));
      await delay(80);
      writer.end();
    });
    const { body } = await fetchAll(port);
    const before = (body.match(/: keep-alive/g) ?? []).length;
    expect(before).toBeGreaterThanOrEqual(1);
    // At most one timer that had been armed before the abort; none after the one that found it aborted.
    expect(before).toBeLessThanOrEqual(3);
  });

  it('stops the keep-alive when the client goes away', async () => {
    const closed = deferred<SseWriter>();
    const port = await serve((_request, response) => {
      const writer = createSseWriter(response, { keepAliveMs: 10 });
      writer.open();
      response.on('close', () => closed.resolve(writer));
    });
    const socket = connect(port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await delay(30);
    socket.destroy();
    const writer = await closed.promise;
    expect(writer.closed).toBe(true);
    await delay(30);
    // Nothing to assert on the wire (nobody is listening); no write-after-close error must surface.
    await writer.data('after');
  });

  it('data() does not hang when a client that stopped reading disconnects with a full buffer', async () => {
    const blocked = deferred<{ writer: SseWriter; pending: Promise<void> }>();
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response);
      writer.open();
      blocked.resolve({ writer, ...(await fillUntilBlocked(writer)) });
    });
    const socket = stalledClient(port);
    const { writer, pending } = await blocked.promise;
    expect(writer.closed).toBe(false);
    socket.destroy();
    expect(await within(pending, 2_000)).toBe('settled');
    await expect(pending).resolves.toBeUndefined();
    expect(writer.closed).toBe(true);
    await writer.data('after the client left');
  });

  it('a write waiting for drain rejects with the reason when the signal aborts, and later writes reject too', async () => {
    const controller = new AbortController();
    const blocked = deferred<{ writer: SseWriter; pending: Promise<void> }>();
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response, { signal: controller.signal });
      writer.open();
      blocked.resolve({ writer, ...(await fillUntilBlocked(writer)) });
    });
    const socket = stalledClient(port);
    const { writer, pending } = await blocked.promise;
    const reason = new Error('request timed out');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect(writer.data('late')).rejects.toBe(reason);
    writer.end();
    socket.destroy();
  });

  it('rejects data that has no JSON form and comments with line breaks', async () => {
    const port = await serve(async (_request, response) => {
      const writer = createSseWriter(response);
      await expect(writer.data(undefined)).rejects.toThrow(TypeError);
      await expect(writer.comment('two\nlines')).rejects.toThrow(TypeError);
      await writer.done();
    });
    expect((await fetchAll(port)).body).toBe('data: [DONE]\n\n');
  });
});
