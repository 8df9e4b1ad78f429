/**
 * The server-wide budget of request-body bytes (RLM_MAX_BODY_TOTAL_BYTES), against a live server:
 * over it a 503 with Retry-After in the OpenAI shape, and the bytes come back when a request is
 * answered and when its client leaves in the middle of the body.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

const BODY_BYTES = 2000;

let stack: Stack;
beforeAll(async () => {
  // One 2000-byte body fits, two do not.
  stack = await startStack({ config: { maxBodyBytes: 4096, maxBodyTotalBytes: 3000 } });
});
afterAll(async () => stack.close());
beforeEach(() => stack.simulator.reset());

/** A valid embeddings body padded with JSON whitespace to exactly `bytes`. */
function embeddingsBody(bytes: number, input = 'hello'): string {
  const json = JSON.stringify({ model: 'nomic-embed-text', input });
  return json.slice(0, -1) + ' '.repeat(bytes - Buffer.byteLength(json)) + '}';
}

const post = (body: string): Promise<Response> =>
  fetch(`${stack.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

/** Sends the headers of a POST declaring `declared` bytes and only `sent` of them; the socket stays open. */
async function startSlowUpload(declared: number, sent: number): Promise<Socket> {
  const { hostname, port } = new URL(stack.url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `POST /v1/embeddings HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n` +
      embeddingsBody(declared).slice(0, sent),
  );
  return socket;
}

/** Posts until the server answers 503, i.e. until it has taken in a slow upload's headers (a few ms). */
async function postUntilRefused(body: string): Promise<Response> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await post(body);
    if (response.status === 503) return response;
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the budget never filled');
}

async function waitForLog(predicate: (line: Record<string, unknown>) => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !stack.logs.some(predicate); attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(stack.logs.some(predicate)).toBe(true);
}

describe('the budget for request bodies held at once', () => {
  it('gives the bytes back when each request is answered: bodies one after another all fit', async () => {
    for (let index = 0; index < 5; index++) expect((await post(embeddingsBody(BODY_BYTES))).status).toBe(200);
  });

  it('refuses a body that would pass it with 503, Retry-After and the OpenAI error shape, and frees it when the holder leaves mid-body', async () => {
    const slow = await startSlowUpload(BODY_BYTES, 100);
    const refused = await postUntilRefused(embeddingsBody(BODY_BYTES));
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('x-should-retry')).toBe('true');
    const body = (await refused.json()) as { error: Record<string, unknown> };
    expect(body).toEqual({
      error: {
        message:
          'The server is busy reading other requests: 2000 bytes of request bodies are held and 2000 more would pass the 3000-byte ' +
          'budget for all of them together. Retry in about 1 s, or raise RLM_MAX_BODY_TOTAL_BYTES.',
        type: 'server_error',
        param: null,
        code: 'body_budget_exceeded',
      },
    });
    // A small body still fits beside the held one.
    expect((await post(embeddingsBody(500))).status).toBe(200);

    const aborted = stack.logs.length;
    slow.destroy();
    await waitForLog((line) => stack.logs.indexOf(line) >= aborted && line.path === '/v1/embeddings' && line.status === 499);
    expect((await post(embeddingsBody(BODY_BYTES))).status).toBe(200);
  });

  it('counts a chunked body as it arrives, and refuses it when it would pass the budget', async () => {
    const slow = await startSlowUpload(BODY_BYTES, 10);
    await postUntilRefused(embeddingsBody(BODY_BYTES));
    const body = embeddingsBody(1500);
    const answer = await rawExchange(
      `POST /v1/embeddings HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
        `${(750).toString(16)}\r\n${body.slice(0, 750)}\r\n${(750).toString(16)}\r\n${body.slice(750)}\r\n0\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toContain('"code":"body_budget_exceeded"');
    slow.destroy();
  });

  it('reads a chunked body whose multi-byte characters are split across chunks, once it fits', async () => {
    const body = Buffer.from(JSON.stringify({ model: 'nomic-embed-text', input: 'née' }));
    const cut = body.indexOf(0xc3) + 1; // between the two bytes of "é"
    const answer = await rawExchange(
      Buffer.concat([
        Buffer.from('POST /v1/embeddings HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'),
        Buffer.from(`${cut.toString(16)}\r\n`),
        body.subarray(0, cut),
        Buffer.from(`\r\n${(body.length - cut).toString(16)}\r\n`),
        body.subarray(cut),
        Buffer.from('\r\n0\r\n\r\n'),
      ]),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    const sent = stack.simulator.requests.find((request) => request.path === '/api/embed')?.body as { input: string[] };
    expect(sent.input).toEqual(['née']);
  });
});

/** Writes the bytes and reads until the server closes the connection. */
function rawExchange(bytes: string | Buffer): Promise<string> {
  const { hostname, port } = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.write(bytes);
  });
}
