/**
 * One upstream exchange as both clients (Ollama's native one and the OpenAI-compatible one) open
 * it: the request sent through the transport with its cancel and idle deadline, the status checked
 * (a non-2xx answer read whole and turned into the backend's own error), and every failure
 * classified into the one error vocabulary (upstream-errors.ts). The clients differ only in paths,
 * bodies, headers and how their answers are framed.
 */
import { ExchangeCancel } from './exchange-cancel.js';
import { createIdleTimeout, type IdleTimeout } from './idle-timeout.js';
import { classifyUpstreamFailure, upstreamErrorFromBody } from './upstream-errors.js';
import type { UpstreamResponse, UpstreamTransport } from './upstream-transport.js';
import { spreadOverTurns } from '../utils/spread-over-turns.js';
import type { RlmError } from '../utils/errors.js';

export interface OpenExchange {
  response: UpstreamResponse;
  idle: IdleTimeout;
  /** Classifies a failure of this exchange (client gone, backend silent, unreachable, protocol). */
  fail(error: unknown): RlmError;
  /** The exchange is over: stop the deadline and stop listening to the caller's signal. */
  finish(): void;
}

export interface ExchangeSettings {
  baseUrl: string;
  timeoutMs: number;
  transport: UpstreamTransport;
  /** Sent with every request (an OpenAI-compatible server's `authorization`). */
  headers?: Readonly<Record<string, string>>;
  /** How messages name a backend that is not Ollama; see ClassifyContext.server. */
  server?: string;
}

export interface ExchangeRequest {
  method: 'GET' | 'POST';
  /** Appended to the base URL. */
  path: string;
  /** Sent as JSON. */
  body?: object;
  /** Harmless to send twice (see UpstreamRequest.idempotent). */
  idempotent: boolean;
}

/**
 * The cancel the transport is given, and the deadline: it aborts at once when the backend goes
 * silent, and on a later turn of the event loop, a few per turn, when the caller leaves.
 * Cancelling a request (socket destroyed, body errored, generators unwound) costs up to half a
 * millisecond; a thousand clients leaving together paid it in one turn and held the loop for half
 * a second. The caller, gone, waits for nothing, and the classification reads the caller's own
 * signal and the deadline, not this cancel. It is a plain object (exchange-cancel.ts), not a
 * second AbortController per request.
 */
function exchangeCancel(caller: AbortSignal | undefined, timeoutMs: number): { cancel: ExchangeCancel; idle: IdleTimeout; release(): void } {
  const cancel = new ExchangeCancel();
  const idle = createIdleTimeout(timeoutMs, () => cancel.abort(new Error('the backend went silent')));
  if (caller === undefined) return { cancel, idle, release: () => idle.clear() };
  if (caller.aborted) cancel.abort(caller.reason);
  const onCaller = (): void => spreadOverTurns(() => cancel.abort(caller.reason));
  caller.addEventListener('abort', onCaller, { once: true });
  return {
    cancel,
    idle,
    release: () => {
      idle.clear();
      caller.removeEventListener('abort', onCaller);
    },
  };
}

/** The whole body; the connection is kept when it was read to its end, and closed when reading failed. */
export async function readWhole(response: UpstreamResponse): Promise<string> {
  let complete = false;
  try {
    const text = await response.text();
    complete = true;
    return text;
  } finally {
    response.release(complete);
  }
}

/** Sends one request and checks its status; the caller reads the body while the deadline still watches. */
export function createExchangeOpener(settings: ExchangeSettings): (request: ExchangeRequest, signal: AbortSignal | undefined) => Promise<OpenExchange> {
  const { baseUrl, timeoutMs, transport, headers, server } = settings;
  return async ({ method, path, body, idempotent }, signal) => {
    const upstream = exchangeCancel(signal, timeoutMs);
    const { idle } = upstream;
    const context = {
      baseUrl,
      timeoutMs,
      callerSignal: signal,
      get idleExpired() {
        return idle.expired;
      },
      ...(server !== undefined && { server }),
    };
    const fail = (error: unknown): RlmError => classifyUpstreamFailure(error, context);
    const finish = upstream.release;
    try {
      const response = await transport.send({
        method,
        url: `${baseUrl}${path}`,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        ...(headers !== undefined && { headers }),
        idempotent,
        cancel: upstream.cancel,
      });
      idle.touch();
      if (response.status < 200 || response.status > 299) {
        const retryAfter = response.header('retry-after');
        throw upstreamErrorFromBody(response.status, await readWhole(response), { ...(server !== undefined && { server }), retryAfter });
      }
      return { response, idle, fail, finish };
    } catch (error) {
      finish();
      throw fail(error);
    }
  };
}
