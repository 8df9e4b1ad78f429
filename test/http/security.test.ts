import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startStack, type Stack } from '../support/stack.js';

/** node:http rather than fetch, because these tests must set Host and Origin exactly. */
function rawRequest(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** The bytes as given, for requests node:http will not build (two Host headers); read until the server closes. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

describe('loopback bind: Host and Origin checks', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { allowedOrigins: ['https://chat.example.org'], allowedHosts: ['my-tunnel.example.net'] } });
  });
  afterAll(async () => stack.close());

  it.each(['localhost', 'app.localhost', '127.0.0.1', '127.8.9.10', '[::1]', '0.0.0.0', 'my-tunnel.example.net', 'MY-TUNNEL.example.net'])(
    'accepts Host %s',
    async (host) => {
      const response = await rawRequest(stack.url, { path: '/v1/models', headers: { host: `${host}:11435` } });
      expect(response.status).toBe(200);
    },
  );

  // Names that DNS (or mDNS, or a container runtime) resolves: a page can re-point any of them.
  it.each(['host.docker.internal', 'printer.local', 'metadata.google.internal', '192.168.1.4', '10.0.0.1', '[fe80::1]', 'localhost.attacker.example', 'evil/.localhost'])(
    'refuses Host %s unless it is allow-listed, saying how to allow it',
    async (host) => {
      const response = await rawRequest(stack.url, { path: '/v1/models', headers: { host } });
      expect(response.status).toBe(403);
      const error = (JSON.parse(response.body) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('host_not_allowed');
      expect(error.message).toContain(`Host "${host}"`);
      expect(error.message).toContain('add the name to RLM_ALLOWED_HOSTS');
    },
  );

  const machineName = hostname().toLowerCase();
  it.runIf(machineName !== 'localhost' && !machineName.endsWith('.localhost'))("refuses this machine's own host name unless it is allow-listed", async () => {
    const response = await rawRequest(stack.url, { path: '/v1/models', headers: { host: machineName } });
    expect(response.status).toBe(403);
  });

  it('rejects a foreign Host (DNS rebinding) with 403 in the OpenAI shape', async () => {
    const response = await rawRequest(stack.url, { path: '/v1/models', headers: { host: 'attacker.example.com' } });
    expect(response.status).toBe(403);
    const error = (JSON.parse(response.body) as { error: { type: string; code: string; message: string } }).error;
    expect(error.type).toBe('permission_error');
    expect(error.code).toBe('host_not_allowed');
    expect(error.message).toContain('RLM_ALLOWED_HOSTS');
  });

  it.each([
    ['an allowed name, then a foreign one', 'localhost', 'attacker.example.com'],
    ['a foreign name, then an allowed one', 'attacker.example.com', 'localhost'],
    ['the same name twice', 'localhost', 'localhost'],
  ])('refuses two Host headers (%s) with 400, before any other check', async (_case, first, second) => {
    const before = stack.simulator.stats.requests;
    const answer = await rawExchange(
      stack.url,
      `GET /v1/models HTTP/1.1\r\nHost: ${first}\r\nHost: ${second}\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const error = (JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { type: string; code: string; message: string } }).error;
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'duplicate_host_header' });
    expect(error.message).toBe('The request has 2 Host headers; send exactly one.');
    expect(stack.simulator.stats.requests).toBe(before);
  });

  it('rejects a browser Origin that is not local or allow-listed, before touching the backend', async () => {
    const before = stack.simulator.stats.requests;
    const response = await rawRequest(stack.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { host: '127.0.0.1', origin: 'https://evil.example.com', 'content-type': 'text/plain' },
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(403);
    expect(stack.simulator.stats.requests).toBe(before);
  });

  it.each(['http://localhost:3000', 'vscode-webview://abc', 'https://chat.example.org'])('allows Origin %s and echoes it in CORS headers', async (origin) => {
    const response = await rawRequest(stack.url, { path: '/v1/models', headers: { host: 'localhost', origin } });
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(origin);
  });

  it('answers an OPTIONS preflight with 204, the methods, and the requested headers echoed', async () => {
    const response = await rawRequest(stack.url, {
      method: 'OPTIONS',
      path: '/v1/chat/completions',
      headers: {
        host: 'localhost',
        origin: 'http://localhost:8080',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-stainless-os',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
    expect(response.headers['access-control-allow-headers']).toBe('authorization, content-type, x-stainless-os');
  });
});

describe('loopback bind: names added to RLM_ALLOWED_HOSTS', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { allowedHosts: ['host.docker.internal', hostname().toLowerCase()] } });
  });
  afterAll(async () => stack.close());

  it("accepts host.docker.internal and this machine's name once listed", async () => {
    expect((await rawRequest(stack.url, { path: '/v1/models', headers: { host: 'host.docker.internal:11435' } })).status).toBe(200);
    expect((await rawRequest(stack.url, { path: '/v1/models', headers: { host: hostname() } })).status).toBe(200);
    expect((await rawRequest(stack.url, { path: '/v1/models', headers: { host: 'printer.local' } })).status).toBe(403);
  });
});

describe('API key', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { apiKey: 'sekret-key' } });
  });
  afterAll(async () => stack.close());

  it('401 without a key, and with a wrong one', async () => {
    const missing = await fetch(`${stack.url}/v1/models`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
    const wrong = await fetch(`${stack.url}/v1/models`, { headers: { authorization: 'Bearer sekret-kez' } });
    expect(wrong.status).toBe(401);
  });

  it('accepts the right key on every API route', async () => {
    const headers = { authorization: 'Bearer sekret-key' };
    expect((await fetch(`${stack.url}/v1/models`, { headers })).status).toBe(200);
    const chat = await postJson(`${stack.url}/v1/chat/completions`, { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }, { headers });
    expect(chat.status).toBe(200);
  });

  it('does not require the key for /health or OPTIONS', async () => {
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
    const preflight = await fetch(`${stack.url}/v1/chat/completions`, { method: 'OPTIONS', headers: { origin: 'http://localhost:1' } });
    expect(preflight.status).toBe(204);
  });

  it('hides the route table from callers without the key', async () => {
    expect((await fetch(`${stack.url}/v1/secret-route`)).status).toBe(401);
  });
});
