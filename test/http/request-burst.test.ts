/**
 * A burst of requests arriving in one turn: past a slice, their starts are deferred to later turns
 * (src/utils/spread-over-turns.ts soonOrNow). None may be lost or answered twice, and /health is
 * answered in the middle.
 */
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

/** Many sockets at once, so that their requests are parsed in the same turn. */
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${stack.url}${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    outgoing.on('error', reject);
    outgoing.end(JSON.stringify(body));
  });
}

describe('a burst of requests', () => {
  it('answers every one of 80 concurrent chat requests exactly once, with /health answered among them', async () => {
    const before = stack.simulator.requests.filter((entry) => entry.path === '/api/chat').length;
    const chats = Array.from({ length: 80 }, (_, index) =>
      post('/v1/chat/completions', { model: 'llama3.2', messages: [{ role: 'user', content: `question ${index}` }] }),
    );
    const health = fetch(`${stack.url}/health`).then((response) => response.status);
    const answers = await Promise.all(chats);
    expect(await health).toBe(200);
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 80 }, () => 200));
    expect(new Set(answers.map((answer) => answer.json.id)).size).toBe(80);
    expect(stack.simulator.requests.filter((entry) => entry.path === '/api/chat').length - before).toBe(80);
  });
});
