/**
 * Errors raised before any route runs (the API key, the Host and Origin rules) come out in
 * Ollama's shape on Ollama's own routes, and in OpenAI's on /v1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

const KEY = 'a-test-key-of-twenty-chars';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ config: { apiKey: KEY } });
});
afterAll(() => stack.close());

describe('access errors', () => {
  it('a missing API key on /api/tags is {"error": "..."}, as Ollama clients read it', async () => {
    const response = await fetch(`${stack.url}/api/tags`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: unknown };
    expect(typeof body.error).toBe('string');
    expect(body.error).toMatch(/key/i);
  });

  it('a foreign Origin on /api/chat is Ollama-shaped too', async () => {
    const response = await fetch(`${stack.url}/api/chat`, { method: 'POST', headers: { origin: 'https://evil.example', authorization: `Bearer ${KEY}` }, body: '{}' });
    expect(response.status).toBe(403);
    expect(typeof ((await response.json()) as { error: unknown }).error).toBe('string');
  });

  it('on /v1 the same error keeps the OpenAI shape', async () => {
    const response = await fetch(`${stack.url}/v1/models`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { message: string; type: string } };
    expect(body.error.message).toMatch(/key/i);
    expect(body.error.type).toBeTypeOf('string');
  });
});
