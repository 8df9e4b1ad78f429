/**
 * A backend that is up but refusing work: every request gets 503 `{"error":…}` with Retry-After,
 * as an overloaded or draining server answers. It counts what it was asked.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UnavailableServer {
  readonly url: string;
  /** Paths asked, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startUnavailable(options: { retryAfterSeconds: number; port?: number }): Promise<UnavailableServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(new URL(request.url ?? '/', 'http://unavailable').pathname);
    request.resume();
    request.on('end', () => {
      const body = JSON.stringify({ error: 'server busy' });
      response.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Retry-After': String(options.retryAfterSeconds) });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
