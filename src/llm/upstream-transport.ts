/**
 * How the clients reach their backend: one request, its status and headers, and its body read
 * whole, as NDJSON values, or as raw bytes (the OpenAI-compatible client's server-sent events). Two implementations: `http-transport.ts` (node:http with one keep-alive Agent,
 * the default) and `fetch-transport.ts` (an injected fetch, for tests and embedders). The client
 * above them owns the deadline, the caller's signal and the error vocabulary.
 */
import type { ExchangeCancel } from './exchange-cancel.js';
import type { NdjsonOptions } from './ndjson-splitter.js';

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  url: string;
  /** JSON text; sent with `content-type: application/json`. */
  body?: string;
  /** Extra request headers, lower-case names (an OpenAI-compatible server's `authorization`). */
  headers?: Readonly<Record<string, string>>;
  /**
   * Whether sending the request twice is harmless (tags, version, show, embed). Only such a
   * request is retried, once, when a kept-alive socket turns out to have been closed by the server.
   */
  idempotent: boolean;
  /**
   * Aborting it ends the exchange at once, before or after the headers: the socket is destroyed.
   * The client passes `cancel` instead (the same, without an EventTarget); one of the two is given.
   */
  signal?: AbortSignal;
  cancel?: ExchangeCancel;
}

export interface UpstreamResponse {
  readonly status: number;
  /** The whole body, decoded as UTF-8. */
  text(): Promise<string>;
  /**
   * The body as NDJSON values, in batches (the lines that arrived together), read as they are
   * asked for: one await per batch rather than per line. At most once per response.
   */
  batches(options?: NdjsonOptions): AsyncGenerator<unknown[]>;
  /**
   * The body's bytes as they arrive, read as they are asked for (backpressure), for a framing the
   * transport does not parse itself (server-sent events). At most once per response, and not with
   * `batches` or `text`.
   */
  bytes(): AsyncGenerator<Uint8Array>;
  /** A response header by its lower-case name (`retry-after`), or undefined. */
  header(name: string): string | undefined;
  /**
   * The exchange is over. `complete`: everything meaningful was read, so the connection may be
   * kept for the next request; otherwise it is closed, which is what makes Ollama stop generating.
   */
  release(complete: boolean): void;
}

export interface UpstreamTransport {
  /** Resolves with the response once its headers are in; rejects with what the connection threw. */
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
}
