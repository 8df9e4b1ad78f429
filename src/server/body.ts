/**
 * Reads a request body as JSON within two limits: the body's own (413) and its share of the
 * server-wide budget of body bytes held at once (503, body-budget.ts). One copy at a time: a
 * declared Content-Length that arrives in one piece is that piece, in several it is read straight
 * into one Buffer of that size, a chunked body is
 * collected and joined once, the bytes are decoded once, and each copy is let go as the next is
 * made. Reading uses 'data' listeners rather than async iteration, because leaving a `for await`
 * early destroys the request, and with it the socket the 413 or 503 must still be written to.
 */
import type { IncomingMessage } from 'node:http';
import type { BodyLease } from './body-budget.js';
import { ClientAbortedError, InvalidRequestError, PayloadTooLargeError } from '../utils/errors.js';

export interface BodyLimits {
  maxBytes: number;
  /** This request's share of the server-wide budget. */
  lease: BodyLease;
}

export async function readJsonBody(request: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  const text = (await readBody(request, limits)).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (/^\s*$/.test(text)) throw new InvalidRequestError('The request body is empty; send a JSON object.');
    throw new InvalidRequestError(`The request body is not valid JSON: ${(error as Error).message}`);
  }
}

function readBody(request: IncomingMessage, { maxBytes, lease }: BodyLimits): Promise<Buffer> {
  const declared = declaredLength(request);
  if (declared !== undefined && declared > maxBytes) return Promise.reject(new PayloadTooLargeError(maxBytes));
  if (request.destroyed) return Promise.reject(new ClientAbortedError());
  try {
    // The whole declared body is reserved before any of it is read, so a refusal costs no reading.
    if (declared !== undefined) lease.reserve(declared);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    // A declared body that arrives in one piece (the usual case) is that piece, not a copy of it.
    let first: Buffer | undefined;
    let whole: Buffer | undefined;
    let chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
      request.off('error', onError);
    };
    const fail = (error: unknown): void => {
      stop();
      first = undefined;
      whole = undefined;
      chunks = [];
      // Still flowing without a 'data' listener: the rest of the body is read and dropped.
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) return fail(new PayloadTooLargeError(maxBytes));
      if (declared !== undefined) {
        if (size === chunk.length) {
          first = chunk;
          return;
        }
        // Node's parser delivers exactly Content-Length bytes, so the copies always fit.
        if (whole === undefined) {
          whole = Buffer.allocUnsafe(declared);
          (first as Buffer).copy(whole, 0);
          first = undefined;
        }
        chunk.copy(whole, size - chunk.length);
        return;
      }
      try {
        lease.reserve(chunk.length);
      } catch (error) {
        return fail(error);
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      const body = whole ?? first ?? Buffer.concat(chunks, size);
      chunks = [];
      resolve(body.length === size ? body : body.subarray(0, size));
    };
    const onClose = (): void => fail(new ClientAbortedError());
    const onError = (error: Error): void => fail(error);
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('close', onClose);
    request.on('error', onError);
  });
}

function declaredLength(request: IncomingMessage): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}
