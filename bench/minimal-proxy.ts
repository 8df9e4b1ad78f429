/**
 * The yardstick of the gateway benchmark: the least a Node hop can do to translate OpenAI's API to
 * Ollama's native one. A node:http server and one keep-alive Agent; `/v1/chat/completions` goes to
 * `/api/chat`, `/v1/completions` to `/api/generate` (both always streamed upstream, as rlm does, and
 * answered whole or as server-sent events), `/v1/embeddings` to `/api/embed`. No validation, no model
 * check, no logging, no timeouts: what is left is the loopback hop and the translation itself.
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MinimalProxy {
  url: string;
  close(): Promise<void>;
}

interface Translation {
  /** Native path and body. */
  path: string;
  upstream: Record<string, unknown>;
  /** Whether the native answer is NDJSON to translate line by line (chat, generate) or one JSON value. */
  streamed: boolean;
}

export async function startMinimalProxy(upstreamUrl: string): Promise<MinimalProxy> {
  const upstream = new URL(upstreamUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  let next = 0;

  const server = createServer((incoming, outgoing) => {
    const pieces: Buffer[] = [];
    incoming.on('data', (piece: Buffer) => pieces.push(piece));
    incoming.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(pieces).toString('utf8')) as Record<string, unknown>;
      } catch {
        return fail(outgoing, 400, 'invalid JSON');
      }
      const translation = translate(incoming.url ?? '', body);
      if (translation === undefined) return fail(outgoing, 404, 'unknown path');
      const id = `px-${++next}`;
      const payload = Buffer.from(JSON.stringify(translation.upstream));
      const call = request(
        { host: upstream.hostname, port: upstream.port, path: translation.path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } },
        (answer) => {
          if (answer.statusCode !== 200) return relayError(answer, outgoing);
          if (!translation.streamed) return relayEmbeddings(answer, outgoing, body);
          relayStream(answer, outgoing, body, id, incoming.url === '/v1/chat/completions' ? 'chat' : 'completion');
        },
      );
      call.on('error', () => fail(outgoing, 502, 'upstream failed'));
      // The client gone: the upstream socket goes too, so Ollama stops generating.
      outgoing.on('close', () => {
        if (!outgoing.writableFinished) call.destroy();
      });
      call.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function translate(path: string, body: Record<string, unknown>): Translation | undefined {
  const options = typeof body.max_tokens === 'number' ? { num_predict: body.max_tokens } : undefined;
  if (path === '/v1/chat/completions') {
    const messages = (body.messages as Array<{ role: string; content: string }>).map(({ role, content }) => ({ role, content }));
    return { path: '/api/chat', upstream: { model: body.model, messages, stream: true, ...(options && { options }) }, streamed: true };
  }
  if (path === '/v1/completions') {
    const suffix = typeof body.suffix === 'string' ? body.suffix : undefined;
    const generate = { model: body.model, prompt: body.prompt, stream: true, raw: suffix === undefined, ...(suffix !== undefined && { suffix }), ...(options && { options }) };
    return { path: '/api/generate', upstream: generate, streamed: true };
  }
  if (path === '/v1/embeddings') return { path: '/api/embed', upstream: { model: body.model, input: body.input }, streamed: false };
  return undefined;
}

/** NDJSON split on newline bytes, each line decoded and parsed once, re-framed as OpenAI's answer. */
function relayStream(answer: IncomingMessage, outgoing: ServerResponse, body: Record<string, unknown>, id: string, kind: 'chat' | 'completion'): void {
  const stream = body.stream === true;
  const created = Math.floor(Date.now() / 1000);
  const model = body.model;
  let text = '';
  let pending: Buffer | undefined;
  let first = true;
  if (stream) outgoing.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (choice: Record<string, unknown>): void => {
    const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    outgoing.write(`data: ${JSON.stringify({ id, object, created, model, choices: [{ index: 0, ...choice }] })}\n\n`);
  };
  const line = (value: { done: boolean; message?: { content?: string }; response?: string; done_reason?: string; prompt_eval_count?: number; eval_count?: number }): void => {
    const piece = (kind === 'chat' ? value.message?.content : value.response) ?? '';
    if (!stream) text += piece;
    else if (piece !== '' || first) {
      if (kind === 'chat') event({ delta: first ? { role: 'assistant', content: piece } : { content: piece }, finish_reason: null });
      else event({ text: piece, finish_reason: null });
      first = false;
    }
    if (!value.done) return;
    const finish = value.done_reason === 'length' ? 'length' : 'stop';
    const usage = { prompt_tokens: value.prompt_eval_count ?? 0, completion_tokens: value.eval_count ?? 0, total_tokens: (value.prompt_eval_count ?? 0) + (value.eval_count ?? 0) };
    if (stream) {
      event(kind === 'chat' ? { delta: {}, finish_reason: finish } : { text: '', finish_reason: finish });
      outgoing.end('data: [DONE]\n\n');
      return;
    }
    const choice = kind === 'chat' ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: finish } : { index: 0, text, finish_reason: finish };
    const whole = JSON.stringify({ id, object: kind === 'chat' ? 'chat.completion' : 'text_completion', created, model, choices: [choice], usage });
    outgoing.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(whole) });
    outgoing.end(whole);
  };
  answer.on('data', (chunk: Buffer) => {
    const data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    pending = undefined;
    let start = 0;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, start)) {
      if (newline > start) line(JSON.parse(data.toString('utf8', start, newline)) as Parameters<typeof line>[0]);
      start = newline + 1;
    }
    if (start < data.length) pending = data.subarray(start);
  });
}

function relayEmbeddings(answer: IncomingMessage, outgoing: ServerResponse, body: Record<string, unknown>): void {
  const pieces: Buffer[] = [];
  answer.on('data', (piece: Buffer) => pieces.push(piece));
  answer.on('end', () => {
    const native = JSON.parse(Buffer.concat(pieces).toString('utf8')) as { embeddings: number[][]; prompt_eval_count?: number };
    const data = native.embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding }));
    const tokens = native.prompt_eval_count ?? 0;
    const whole = JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
    outgoing.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(whole) });
    outgoing.end(whole);
  });
}

function relayError(answer: IncomingMessage, outgoing: ServerResponse): void {
  const pieces: Buffer[] = [];
  answer.on('data', (piece: Buffer) => pieces.push(piece));
  answer.on('end', () => fail(outgoing, 502, Buffer.concat(pieces).toString('utf8')));
}

function fail(outgoing: ServerResponse, status: number, message: string): void {
  if (outgoing.headersSent) return void outgoing.destroy();
  const whole = JSON.stringify({ error: { message, type: 'api_error', param: null, code: null } });
  outgoing.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(whole) });
  outgoing.end(whole);
}
