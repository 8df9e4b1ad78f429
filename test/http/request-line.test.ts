/**
 * What the server reads of every request, on its fast path (a plain path is its own pathname, the
 * URL made only when a handler asks) and off it (dot segments, escapes, queries, absolute form), and
 * the request's log line, written without a child logger: the same fields in the same order.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

/** A raw request line, as a client may send it (fetch would normalise the path first). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (piece: string) => (body += piece));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('the request target', () => {
  it('plain paths, and paths the URL parser rewrites, reach the same route', async () => {
    for (const path of ['/v1/models', '/models', '/v1/./models', '/v1/x/../models', '/v1/models?limit=1', `${stack.url}/v1/models`]) {
      const { status, body } = await rawGet(path);
      expect({ path, status }).toEqual({ path, status: 200 });
      expect((JSON.parse(body) as { object: string }).object).toBe('list');
    }
  });

  it('a query still reaches the handler that reads it', async () => {
    const { status, body } = await rawGet('/v1/rlm/runs?limit=abc');
    expect(status).toBe(400);
    expect(body).toContain('limit');
  });

  it('the log line: request_id first, then method, path, status, ms and the handler fields', async () => {
    const before = stack.logs.length;
    await rawGet('/v1/models');
    const line = stack.logs.slice(before).find((entry) => entry.event === 'request');
    expect(Object.keys(line ?? {}).slice(0, 8)).toEqual(['level', 'time', 'event', 'request_id', 'method', 'path', 'status', 'ms']);
    expect(line).toMatchObject({ level: 'info', event: 'request', method: 'GET', path: '/v1/models', status: 200 });
    expect(line?.request_id).toMatch(/^req-\d+$/);
  });
});
