/**
 * Answers written straight to a socket, for what never becomes a request with a ServerResponse:
 * bytes Node's parser refused ('clientError') and CONNECT (rlm is not a proxy). Same OpenAI error
 * body as every other answer, then the connection is closed.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from './error-response.js';
import { MethodNotAllowedError, RlmError } from '../utils/errors.js';

/** Statuses for the parser errors that have a more precise one than 400 (as Node's own default answer). */
const PARSER_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * A request Node's parser could not read. As Node's default handler does, answer only while no
 * response on this socket has started (else the answer would land inside another one), then close.
 */
export function answerMalformedRequest(error: NodeJS.ErrnoException & { reason?: string }, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || (inFlight !== null && inFlight !== undefined && inFlight.headersSent)) {
    socket.destroy();
    return;
  }
  const status = PARSER_ERROR_STATUS[error.code ?? ''] ?? 400;
  const detail = `${error.code ?? 'parse error'}: ${error.reason ?? error.message}`;
  const message =
    status === 431
      ? `The request headers are too large (${detail}).`
      : status === 408
        ? `The request did not arrive in time (${detail}).`
        : `The request is not valid HTTP/1.1 (${detail}).`;
  writeRawError(socket, new RlmError(message, { status, type: 'invalid_request_error', code: 'malformed_request' }));
}

/** Writes an error answer straight to a socket that has no ServerResponse, then closes it. */
function writeRawError(socket: Duplex, error: RlmError): void {
  const body = JSON.stringify(errorBody(error));
  const head = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    ...Object.entries(error.headers).map(([name, value]) => `${name}: ${value}`),
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    `x-should-retry: ${error.retryable ? 'true' : 'false'}`,
    'connection: close',
  ];
  // Destroyed once written (or after a second if the client does not read), so the socket cannot linger.
  const timer = setTimeout(() => socket.destroy(), 1000);
  timer.unref();
  socket.write(`${head.join('\r\n')}\r\n\r\n${body}`, () => {
    clearTimeout(timer);
    socket.destroy();
  });
}

/** CONNECT asks for a tunnel, which this server does not make. */
export function answerConnect(socket: Duplex): void {
  writeRawError(socket, new MethodNotAllowedError('CONNECT', 'this server', ['GET', 'POST', 'OPTIONS']));
}
