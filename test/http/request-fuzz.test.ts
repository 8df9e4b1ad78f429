/**
 * No request of any shape may end the process. Request lines, methods, targets, versions, headers and
 * bodies are generated from a seeded PRNG and sent over raw sockets (node:net), so bytes that no HTTP
 * client would send reach the server. Every answer must be a well-formed HTTP response, in the OpenAI
 * error shape when it is an error, or a plain close; no answer may be a 500; and /health still
 * answers at the end. A failing case prints its index and bytes, and the seed replays it.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../support/seeded-random.js';
import { startStack, type Stack } from '../support/stack.js';

/** RLM_FUZZ_SEED tries another sequence; a failure names the seed that replays it. */
const SEED = Number(process.env.RLM_FUZZ_SEED ?? 7);
const CASES = 400;
const PARALLEL = 8;

/** Found by hand before the fuzzer existed: each one used to kill the server. */
const KNOWN_CRASHERS: readonly string[] = [
  'GET // HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
  'GET //[ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
  'GET http://[x]/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
  'POST // HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
  'OPTIONS //[ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
  'HEAD // HTTP/1.1\r\nConnection: close\r\n\r\n',
  'DELETE http://[x]/ HTTP/1.0\r\n\r\n',
  'GET // HTTP/1.1\r\nHost: attacker.example\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n',
];

interface Exchange {
  /** Everything the server sent. */
  received: Buffer;
  /** How the connection ended: 'complete' (we saw a whole answer), 'closed' (FIN), 'reset'. */
  ending: 'complete' | 'closed' | 'reset';
  /** A HEAD request: its answer has no body whatever its headers say. */
  head: boolean;
}

interface ParsedResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack.close());

describe('hostile requests never end the process', () => {
  it('answers each known crasher with a well-formed response, a 400 in the OpenAI shape where the target is unparsable', async () => {
    for (const request of KNOWN_CRASHERS) {
      const exchange = await exchangeRaw(stack.url, Buffer.from(request, 'latin1'));
      const responses = checkWellFormed(exchange, request);
      expect(responses.length, request).toBeGreaterThan(0);
      const last = responses[responses.length - 1] as ParsedResponse;
      expect(last.status, request).toBeLessThan(500);
      if (request.includes('[')) {
        expect(last.status, request).toBe(400);
        const error = (JSON.parse(last.body.toString('utf8')) as { error: { code: string; message: string } }).error;
        expect(error.code, request).toBe('invalid_request_target');
      }
    }
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
  });

  it(`survives ${CASES} generated requests (seed ${SEED}) and still answers /health`, async () => {
    const random = seededRandom(SEED);
    const requests = Array.from({ length: CASES }, () => generateRequest(random));
    for (let start = 0; start < requests.length; start += PARALLEL) {
      const batch = requests.slice(start, start + PARALLEL);
      const exchanges = await Promise.all(batch.map((request) => exchangeRaw(stack.url, request)));
      exchanges.forEach((exchange, offset) => {
        const label = `case ${start + offset} (seed ${SEED}): ${JSON.stringify((batch[offset] as Buffer).toString('latin1').slice(0, 300))}`;
        const responses = checkWellFormed(exchange, label, requestTarget(batch[offset] as Buffer));
        for (const response of responses) expect(response.status, label).not.toBe(500);
      });
    }
    const health = await fetch(`${stack.url}/health`);
    expect(health.status).toBe(200);
    expect(stack.logs.some((line) => line.event === 'request_failed')).toBe(false);
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------
// Generation

const METHODS = ['GET', 'GET', 'POST', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'CONNECT'];
const BROKEN_METHODS = ['get', 'G\u0000T', 'X'.repeat(40), ''];
const TARGETS = [
  '/', '//', '//[', '///', '//v1/models', 'http://[x]/', 'http://[::1', 'http://localhost/v1/models', 'https://127.0.0.1/health',
  'http://attacker.example/health', 'mailto:x', '*', '', '?', '/?a=%ZZ', '/#frag', '/health', '/v1/models', '/models',
  '/v1/models/%ZZ', '/v1/models/%', '/v1/models/a%2Fb', '/v1/rlm/runs/../../etc/passwd', '/v1/rlm/runs/%00', '/\\evil',
  '/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/rlm/search', '/v1/rlm/runs', '/%', '/%E0%A4%A',
  '/\u00ff\u00fe', '/a b', `/${'a'.repeat(9000)}`, '/v1/models/\u0000',
];
const BROKEN_VERSIONS = ['HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', 'http/1.1', ''];
const HOSTS = ['localhost', 'localhost:11435', '127.0.0.1', '[::1]'];
const ODD_HOSTS = ['[::1', '[', ':', '', 'attacker.example', 'a'.repeat(300), 'local\u00e9host', 'localhost, evil.example'];
const ORIGINS = ['http://localhost:3000', 'null', 'https://evil.example', 'http://[x]', '://', 'vscode-webview://x', '\u00ff'];
const REQUEST_IDS = ['abc', 'a'.repeat(500), 'bad id', '', '\u00ff'];
const AUTHORIZATIONS = ['Bearer x', 'Bearer', 'Basic abc', '', 'Bearer ' + 'k'.repeat(2000)];
const CONTENT_TYPES = ['application/json', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', ''];
const BODIES = ['{}', '', 'null', '[', '{"model":', '{"model":"llama3.2","messages":"x"}', '\u00ff\u00fe\u0000', '{"input":1e999}', '"' + 'x'.repeat(3000) + '"'];

function generateRequest(random: () => number): Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (probability: number): boolean => random() < probability;

  // Mostly well-formed, so that most requests get past Node's parser into the handler.
  const method = chance(0.05) ? randomToken(random) : chance(0.05) ? pick(BROKEN_METHODS) : pick(METHODS);
  const target = chance(0.1) ? randomTarget(random) : pick(TARGETS);
  const version = chance(0.85) ? 'HTTP/1.1' : chance(0.5) ? 'HTTP/1.0' : pick(BROKEN_VERSIONS);
  const spacing = chance(0.05) ? pick(['  ', '\t', '']) : ' ';
  const headers: string[] = [];
  if (!chance(0.05)) headers.push(`Host: ${chance(0.8) ? pick(HOSTS) : pick(ODD_HOSTS)}`);
  if (chance(0.05)) headers.push(`Host: ${pick([...HOSTS, ...ODD_HOSTS])}`);
  if (chance(0.2)) headers.push(`Origin: ${pick(ORIGINS)}`);
  if (chance(0.2)) headers.push(`X-Request-Id: ${pick(REQUEST_IDS)}`);
  if (chance(0.2)) headers.push(`Authorization: ${pick(AUTHORIZATIONS)}`);
  if (chance(0.2)) headers.push(`Content-Type: ${pick(CONTENT_TYPES)}`);
  if (chance(0.1)) headers.push(pick(['Expect: 100-continue', 'Upgrade: websocket', 'Upgrade: h2c', 'Access-Control-Request-Headers: x, y']));
  if (chance(0.03)) headers.push(pick(['NoColonHere', ' folded: continuation', 'Bad Name: x', ': empty-name', 'X-Long: ' + 'v'.repeat(20_000)]));
  if (chance(0.1)) headers.push(`X-${randomToken(random)}: ${randomText(random, 20)}`);
  if (chance(0.8)) headers.push('Connection: close');

  let body = '';
  if (method === 'POST' || chance(0.1)) {
    body = chance(0.2) ? randomText(random, 200) : pick(BODIES);
    headers.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  }
  for (let index = headers.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [headers[index], headers[other]] = [headers[other] as string, headers[index] as string];
  }
  const head = `${method}${spacing}${target}${spacing}${version}\r\n${headers.map((line) => `${line}\r\n`).join('')}\r\n`;
  return Buffer.from(head + body, 'latin1');
}

function randomToken(random: () => number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*';
  return Array.from({ length: 1 + Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
}

/** Latin-1 text with every byte but CR and LF, so the header block still ends where the generator says. */
function randomText(random: () => number, maxLength: number): string {
  return Array.from({ length: Math.floor(random() * maxLength) }, () => {
    const code = Math.floor(random() * 256);
    return code === 10 || code === 13 ? ' ' : String.fromCharCode(code);
  }).join('');
}

function randomTarget(random: () => number): string {
  const pieces = ['/', '//', '[', ']', '%', '%2F', '..', '.', '?', '#', '@', ':', 'v1', 'models', 'rlm', 'runs', '\\', '\u00e9', '*', 'http:'];
  return Array.from({ length: 1 + Math.floor(random() * 8) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
}

// ---------------------------------------------------------------------------------------------
// The wire

/**
 * Writes the bytes and reads until the server closes, or until it has sent a complete answer to a
 * request that kept the connection open. A server that stays silent is given a half-close, after
 * which it must close too.
 */
function exchangeRaw(baseUrl: string, request: Buffer): Promise<Exchange> {
  const { hostname, port } = new URL(baseUrl);
  const isHead = /^HEAD /.test(request.toString('latin1'));
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (ending: Exchange['ending']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(silence);
      clearTimeout(deadline);
      socket.destroy();
      resolve({ received: Buffer.concat(chunks), ending, head: isHead });
    };
    const silence = setTimeout(() => socket.end(), 1000);
    const deadline = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new Error(`the server neither answered nor closed: ${JSON.stringify(request.toString('latin1').slice(0, 200))}`));
    }, 4000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (answerComplete(Buffer.concat(chunks), isHead)) finish('complete');
    });
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') finish('reset');
      else if (!settled) {
        settled = true;
        reject(error);
      }
    });
    socket.write(request);
  });
}

/** Whether the bytes hold one whole final (non-1xx) response. */
function answerComplete(bytes: Buffer, isHead: boolean): boolean {
  try {
    const responses = readResponses(bytes, isHead);
    return responses.complete && responses.list.some((response) => response.status >= 200);
  } catch {
    return false;
  }
}

/**
 * The answer to a HEAD has no body, unless the request was too malformed for the server to know it
 * was a HEAD: then its error answer has one, so both readings are tried.
 */
function readResponses(bytes: Buffer, isHead: boolean): { list: ParsedResponse[]; complete: boolean } {
  if (!isHead) return parseResponses(bytes, false);
  try {
    const asHead = parseResponses(bytes, true);
    if (asHead.complete) return asHead;
  } catch {
    // read as an ordinary answer below
  }
  return parseResponses(bytes, false);
}

/** Asserts that what the server sent is zero or more well-formed responses; returns them. */
/** The request line's target ("/api/tags"), or '' when the line has none. */
function requestTarget(request: Buffer): string {
  const line = request.toString('latin1').split('\r\n')[0] ?? '';
  return line.trim().split(/\s+/)[1] ?? '';
}

/** Ollama's own routes answer errors as Ollama does: `{"error": "..."}`; everything else in OpenAI's shape. */
function isNativeTarget(target: string): boolean {
  const path = target.replace(/^[a-z]+:\/\/[^/]*/i, '').split('?')[0] ?? '';
  return path === '/' || path === '/api' || path.startsWith('/api/');
}

function checkWellFormed(exchange: Exchange, label: string, target = ''): ParsedResponse[] {
  if (exchange.received.length === 0) return [];
  const parsed = readResponses(exchange.received, exchange.head);
  expect(parsed.complete, `${label}: incomplete answer ${JSON.stringify(exchange.received.toString('latin1').slice(0, 300))}`).toBe(true);
  for (const response of parsed.list) {
    if (response.status < 400 || (exchange.head && response.body.length === 0)) continue;
    const type = response.headers.get('content-type') ?? '';
    expect(type, `${label}: ${response.status} without a JSON error body`).toMatch(/^application\/json/);
    const body = JSON.parse(response.body.toString('utf8')) as { error?: Record<string, unknown> | string };
    if (isNativeTarget(target) && typeof body.error === 'string') {
      expect(body.error.length, label).toBeGreaterThan(0);
      continue;
    }
    const error = typeof body.error === 'object' ? body.error : {};
    expect(Object.keys(error).sort(), label).toEqual(['code', 'message', 'param', 'type']);
    expect(typeof error.message, label).toBe('string');
  }
  return parsed.list;
}

/** A strict little HTTP/1.1 response reader: status line, header lines, Content-Length or chunked bodies. */
function parseResponses(bytes: Buffer, isHead: boolean): { list: ParsedResponse[]; complete: boolean } {
  const list: ParsedResponse[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', offset, 'latin1');
    if (headEnd < 0) return { list, complete: false };
    const [statusLine, ...headerLines] = bytes.toString('latin1', offset, headEnd).split('\r\n');
    const statusMatch = /^HTTP\/1\.[01] (\d{3}) [^\r\n]*$/.exec(statusLine ?? '');
    if (statusMatch === null) throw new Error(`malformed status line ${JSON.stringify(statusLine)}`);
    const status = Number(statusMatch[1]);
    const headers = new Map<string, string>();
    for (const line of headerLines) {
      const headerMatch = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*)$/.exec(line);
      if (headerMatch === null) throw new Error(`malformed header line ${JSON.stringify(line)}`);
      headers.set((headerMatch[1] as string).toLowerCase(), headerMatch[2] as string);
    }
    offset = headEnd + 4;
    let body: Buffer = Buffer.alloc(0);
    const noBody = isHead || status < 200 || status === 204 || status === 304;
    if (!noBody && headers.has('content-length')) {
      const length = Number(headers.get('content-length'));
      if (offset + length > bytes.length) return { list, complete: false };
      body = bytes.subarray(offset, offset + length);
      offset += length;
    } else if (!noBody && /chunked/i.test(headers.get('transfer-encoding') ?? '')) {
      const parts: Buffer[] = [];
      for (;;) {
        const sizeEnd = bytes.indexOf('\r\n', offset, 'latin1');
        if (sizeEnd < 0) return { list, complete: false };
        const size = parseInt(bytes.toString('latin1', offset, sizeEnd), 16);
        if (!Number.isFinite(size)) throw new Error('malformed chunk size');
        if (sizeEnd + 2 + size + 2 > bytes.length) return { list, complete: false };
        parts.push(bytes.subarray(sizeEnd + 2, sizeEnd + 2 + size));
        offset = sizeEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
    } else if (!noBody) {
      // Neither length nor chunked: the body runs to the close.
      body = bytes.subarray(offset);
      offset = bytes.length;
    }
    list.push({ status, headers, body });
  }
  return { list, complete: true };
}
