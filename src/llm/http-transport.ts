/**
 * The upstream transport on node:http (node:https for an https OLLAMA_HOST), with one keep-alive
 * Agent per scheme. A CPU profile of rlm under load put half its time in fetch (undici) and a
 * sixth in web streams; a plain request over a kept-alive socket, read as Buffers, costs a fraction.
 *
 * - Sockets are kept alive and bounded per host (1,024: above Ollama's own default queue of 512
 *   plus its parallel slots, so the bound never holds back what Ollama would have accepted, and
 *   the fds stay bounded). An idle socket is closed after 30 s, or sooner when the server announces
 *   a shorter `Keep-Alive: timeout` (Node's Agent honours it, less a second).
 * - A reused socket that the server had already closed fails with ECONNRESET or EPIPE before any
 *   response byte. Only a request that is harmless to repeat (tags, version, show, embed) is then
 *   retried, once: a chat or generate that reached the server would be generated twice. Ollama's
 *   server has no idle timeout (docs/reference/ollama-protocol.md §1), so this is for proxies.
 * - Aborting the request's signal destroys the request, before or after the headers; so does
 *   releasing an answer that was not read to its end, which is what makes Ollama stop generating.
 *   Those closes are spread over turns of the event loop, a few per turn.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BlockedPortError, isBlockedPort } from './blocked-ports.js';
import { readMessageBytes } from './message-bytes.js';
import { readNdjsonMessage } from './ndjson-message.js';
import { spreadOverTurns } from '../utils/spread-over-turns.js';
import { UpstreamProtocolError } from '../utils/errors.js';
import type { UpstreamRequest, UpstreamResponse, UpstreamTransport } from './upstream-transport.js';

export interface HttpTransportOptions {
  /** Sockets open at once per host; more requests wait for one. Default 1024. */
  maxSockets?: number;
  /** How long an unused kept-alive socket stays open. Default 30 s. */
  idleSocketMs?: number;
}

interface Target {
  secure: boolean;
  host: string;
  port: number;
  path: string;
  blocked: boolean;
}

const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE']);
/** After a stream's last line, what may still come before its end (the chunked terminator): a little, soon. */
const DRAIN_LIMIT_BYTES = 64 * 1024;
const DRAIN_GRACE_MS = 1000;
const GET_HEADERS = {};
/** Parsed URLs by their text: a client asks for a handful of paths, over and over. */
const MAX_TARGETS = 64;

export function createHttpTransport(options: HttpTransportOptions = {}): UpstreamTransport {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 1024, timeout: options.idleSocketMs ?? 30_000 };
  let httpAgent: HttpAgent | undefined;
  let httpsAgent: HttpsAgent | undefined;
  const targets = new Map<string, Target>();

  const targetOf = (url: string): Target => {
    let target = targets.get(url);
    if (target === undefined) {
      const parsed = new URL(url);
      const secure = parsed.protocol === 'https:';
      const port = parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port);
      // URL keeps an IPv6 literal in brackets; node:http wants it bare.
      const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
      target = { secure, host, port, path: `${parsed.pathname}${parsed.search}`, blocked: isBlockedPort(port) };
      if (targets.size >= MAX_TARGETS) targets.clear();
      targets.set(url, target);
    }
    return target;
  };

  const attempt = (target: Target, upstream: UpstreamRequest, retried: boolean): Promise<UpstreamResponse> =>
    new Promise((resolve, reject) => {
      const { body } = upstream;
      const abortion = abortionOf(upstream);
      if (abortion.aborted()) return reject(abortion.reason());
      const own = body === undefined ? GET_HEADERS : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      const headers = upstream.headers === undefined ? own : { ...upstream.headers, ...own };
      const requestOptions: RequestOptions = { host: target.host, port: target.port, path: target.path, method: upstream.method, headers };
      const outgoing =
        target.secure ? httpsRequest({ ...requestOptions, agent: (httpsAgent ??= new HttpsAgent(agentOptions)) })
        : httpRequest({ ...requestOptions, agent: (httpAgent ??= new HttpAgent(agentOptions)) });
      let responded = false;
      const detach = abortion.listen(() => {
        const reason = abortion.reason();
        outgoing.destroy(reason instanceof Error ? reason : new Error('aborted'));
      });
      // Kept for the request's whole life: after the response, a socket error also reaches the
      // response, whose reader reports it; an 'error' without a listener would end the process.
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        if (responded) return;
        detach();
        if (!retried && upstream.idempotent && outgoing.reusedSocket && RETRYABLE_CODES.has(error.code ?? '') && !abortion.aborted()) {
          resolve(attempt(target, upstream, true));
          return;
        }
        reject(error);
      });
      outgoing.on('response', (message: IncomingMessage) => {
        responded = true;
        resolve(answer(outgoing, message, detach));
      });
      outgoing.end(body);
    });

  return {
    send(upstream) {
      const target = targetOf(upstream.url);
      if (target.blocked) return Promise.reject(new BlockedPortError(target.port));
      return attempt(target, upstream, false);
    },
  };
}

interface Abortion {
  aborted(): boolean;
  reason(): unknown;
  /** Calls `onAbort` once if the exchange is aborted; the function returned stops listening. */
  listen(onAbort: () => void): () => void;
}

const NEVER: Abortion = { aborted: () => false, reason: () => undefined, listen: () => () => {} };

/** The request's cancel (the client's, no EventTarget) or its signal (a caller's own). */
function abortionOf({ cancel, signal }: UpstreamRequest): Abortion {
  if (cancel !== undefined) {
    return {
      aborted: () => cancel.aborted,
      reason: () => cancel.reason,
      listen(onAbort) {
        cancel.listener = onAbort;
        return () => {
          if (cancel.listener === onAbort) cancel.listener = undefined;
        };
      },
    };
  }
  if (signal === undefined) return NEVER;
  return {
    aborted: () => signal.aborted,
    reason: () => signal.reason,
    listen(onAbort) {
      signal.addEventListener('abort', onAbort, { once: true });
      return () => signal.removeEventListener('abort', onAbort);
    },
  };
}

function answer(outgoing: ClientRequest, message: IncomingMessage, detach: () => void): UpstreamResponse {
  return {
    status: message.statusCode ?? 0,
    text: () => readText(message),
    batches: (options) => readNdjsonMessage(message, options),
    bytes: () => readMessageBytes(message),
    header(name) {
      const value = message.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    release(complete) {
      detach();
      if (message.readableEnded) return; // read to its end: the socket is back with the Agent
      if (!complete) {
        spreadOverTurns(() => void outgoing.destroy());
        return;
      }
      // Everything that mattered was read; the rest (the chunked terminator) lets the socket be reused.
      let drained = 0;
      const timer = setTimeout(() => outgoing.destroy(), DRAIN_GRACE_MS);
      timer.unref();
      message.on('data', (piece: Buffer) => {
        drained += piece.length;
        if (drained > DRAIN_LIMIT_BYTES) outgoing.destroy();
      });
      message.once('close', () => clearTimeout(timer));
      message.resume();
    },
  };
}

function readText(message: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const pieces: Buffer[] = [];
    message.on('data', (piece: Buffer) => pieces.push(piece));
    message.once('end', () => resolve(Buffer.concat(pieces).toString('utf8')));
    message.once('error', reject);
    message.once('close', () => {
      if (!message.complete) reject(new UpstreamProtocolError('The backend closed the connection before the answer was complete.'));
    });
  });
}
