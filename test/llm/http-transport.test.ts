/**
 * The node:http transport on real sockets: kept-alive connections are reused, an answer released
 * unread closes its socket (that is how Ollama learns to stop), one read to its last line keeps it,
 * a stale kept-alive socket is retried once only for requests harmless to repeat, aborts reach the
 * socket, and the Fetch standard's blocked ports are refused without a connection.
 */
import { createServer as createHttpServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BlockedPortError } from '../../src/llm/blocked-ports.js';
import { ExchangeCancel } from '../../src/llm/exchange-cancel.js';
import { createHttpTransport } from '../../src/llm/http-transport.js';
import type { UpstreamRequest } from '../../src/llm/upstream-transport.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Fake {
  url: string;
  connections: number;
  closedRequests: number;
}

const servers: Array<Server | NetServer> = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  for (const server of servers.splice(0)) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(server: Server | NetServer): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An HTTP server whose handler is given per test; it counts connections and requests closed early. */
async function fakeOllama(handle: (response: ServerResponse, path: string) => void): Promise<Fake> {
  const fake = { url: '', connections: 0, closedRequests: 0 };
  const server = createHttpServer((request, response) => {
    request.resume();
    response.on('close', () => {
      if (!response.writableFinished) fake.closedRequests += 1;
    });
    handle(response, request.url ?? '');
  });
  server.on('connection', () => (fake.connections += 1));
  fake.url = await listen(server);
  return fake;
}

const get = (url: string, signal = new AbortController().signal): UpstreamRequest => ({ method: 'GET', url, idempotent: true, signal });
const post = (url: string, signal = new AbortController().signal): UpstreamRequest => ({ method: 'POST', url, body: '{"model":"m"}', idempotent: false, signal });

describe('http transport', () => {
  it('reuses one kept-alive connection for requests one after another', async () => {
    const fake = await fakeOllama((response) => response.end('{"version":"0.1.0"}'));
    const transport = createHttpTransport();
    for (let index = 0; index < 5; index++) {
      const response = await transport.send(get(`${fake.url}/api/version`));
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('{"version":"0.1.0"}');
      response.release(true);
    }
    expect(fake.connections).toBe(1);
  });

  it('an answer released unread closes its socket, on a later turn', async () => {
    const fake = await fakeOllama((response) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.write('{"done":false}\n');
    });
    const transport = createHttpTransport();
    const response = await transport.send(post(`${fake.url}/api/chat`));
    const batches = response.batches();
    expect((await batches.next()).value).toEqual([{ done: false }]);
    await batches.return(undefined);
    response.release(false);
    expect(fake.closedRequests).toBe(0);
    for (let turn = 0; turn < 50 && fake.closedRequests === 0; turn++) await nextTurn();
    await sleep(20);
    expect(fake.closedRequests).toBe(1);
  });

  it('an answer read to its last line keeps the socket, once the end of the body comes', async () => {
    const fake = await fakeOllama((response) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.write('{"done":true}\n');
      setTimeout(() => response.end(), 30);
    });
    const transport = createHttpTransport();
    for (let index = 0; index < 2; index++) {
      const response = await transport.send(post(`${fake.url}/api/chat`));
      const batches = response.batches();
      expect((await batches.next()).value).toEqual([{ done: true }]);
      await batches.return(undefined);
      response.release(true);
      await sleep(60);
    }
    expect(fake.connections).toBe(1);
    expect(fake.closedRequests).toBe(0);
  });

  describe('a kept-alive socket the server closed', () => {
    /** Answers the first request on each connection, and resets the connection on the second. */
    async function closesAfterOne(): Promise<{ url: string; connections: () => number; requests: () => number }> {
      let connections = 0;
      let requests = 0;
      const server = createNetServer((socket: Socket) => {
        sockets.add(socket);
        connections += 1;
        let seen = 0;
        let text = '';
        socket.on('data', (data) => {
          text += data.toString('latin1');
          while (text.includes('\r\n\r\n')) {
            const end = text.indexOf('\r\n\r\n') + 4;
            const length = Number(/content-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
            text = text.slice(end + length);
            seen += 1;
            requests += 1;
            if (seen === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}');
            else socket.resetAndDestroy();
          }
        });
        socket.on('error', () => {});
      });
      const url = await listen(server);
      return { url, connections: () => connections, requests: () => requests };
    }

    it('is retried once, on a new connection, for a request harmless to repeat', async () => {
      const stale = await closesAfterOne();
      const transport = createHttpTransport();
      for (let index = 0; index < 2; index++) {
        const response = await transport.send(get(`${stale.url}/api/tags`));
        expect(await response.text()).toBe('{}');
        response.release(true);
      }
      expect(stale.connections()).toBe(2);
    });

    it('is not retried for a chat, which would generate twice', async () => {
      const stale = await closesAfterOne();
      const transport = createHttpTransport();
      const first = await transport.send(post(`${stale.url}/api/chat`));
      await first.text();
      first.release(true);
      await expect(transport.send(post(`${stale.url}/api/chat`))).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(stale.requests()).toBe(2);
      expect(stale.connections()).toBe(1);
    });
  });

  it('an abort before the headers rejects with the reason and closes the socket', async () => {
    const fake = await fakeOllama(() => {});
    const transport = createHttpTransport();
    const controller = new AbortController();
    const sending = transport.send(post(`${fake.url}/api/chat`, controller.signal));
    await sleep(30);
    const reason = new Error('client gone');
    controller.abort(reason);
    await expect(sending).rejects.toBe(reason);
    await sleep(20);
    expect(fake.closedRequests).toBe(1);
  });

  it('an already aborted signal sends nothing', async () => {
    const fake = await fakeOllama((response) => response.end('{}'));
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(createHttpTransport().send(get(`${fake.url}/api/tags`, controller.signal))).rejects.toThrow('gone');
    expect(fake.connections).toBe(0);
  });

  it('refuses a blocked port without connecting', async () => {
    await expect(createHttpTransport().send(get('http://127.0.0.1:6000/api/tags'))).rejects.toBeInstanceOf(BlockedPortError);
  });

  it("the client's ExchangeCancel (no AbortSignal) aborts before the headers too, and closes the socket", async () => {
    const fake = await fakeOllama(() => {});
    const transport = createHttpTransport();
    const cancel = new ExchangeCancel();
    const sending = transport.send({ method: 'POST', url: `${fake.url}/api/chat`, body: '{}', idempotent: false, cancel });
    await sleep(30);
    const reason = new Error('client gone');
    cancel.abort(reason);
    await expect(sending).rejects.toBe(reason);
    await sleep(20);
    expect(fake.closedRequests).toBe(1);
  });

  it('an ExchangeCancel aborted after the headers destroys the answer; one already aborted sends nothing', async () => {
    const fake = await fakeOllama((response) => {
      response.writeHead(200);
      response.write('{"done":false}\n');
    });
    const transport = createHttpTransport();
    const cancel = new ExchangeCancel();
    const answer = await transport.send({ method: 'POST', url: `${fake.url}/api/chat`, body: '{}', idempotent: false, cancel });
    expect(answer.status).toBe(200);
    cancel.abort(new Error('went silent'));
    await sleep(30);
    expect(fake.closedRequests).toBe(1);
    answer.release(false);
    const gone = new ExchangeCancel();
    gone.abort(new Error('gone'));
    await expect(transport.send({ method: 'GET', url: `${fake.url}/api/tags`, idempotent: true, cancel: gone })).rejects.toThrow('gone');
    expect(fake.connections).toBe(1);
  });
});
