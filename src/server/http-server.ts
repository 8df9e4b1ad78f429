/**
 * The node:http server: per request it assigns an id, applies the access policy, routes, runs the
 * handler with a signal that aborts when the client goes away, turns any error into an answer, and
 * writes one log line with status and duration.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { readJsonBody } from './body.js';
import { createBodyBudget, type BodyBudget } from './body-budget.js';
import { isLoopbackAddress } from './config.js';
import type { AppDeps, RequestContext } from './context.js';
import { sendError } from './error-response.js';
import { parseRequestTarget } from './request-target.js';
import { createRouter, type Route } from './router.js';
import { answerConnect, answerMalformedRequest } from './socket-errors.js';
import { checkApiKey, checkHost, checkOrigin, corsHeaders, singleHostHeader, type AccessPolicy } from './security.js';
import { isUiPath } from './ui-paths.js';
import { ClientAbortedError } from '../utils/errors.js';
import { RequestAbort } from '../utils/request-abort.js';
import type { Logger } from '../utils/logger.js';
import { soonOrNow } from '../utils/spread-over-turns.js';
import { startTimer } from '../utils/timer.js';

export interface RunningServer {
  readonly server: Server;
  /** e.g. "http://127.0.0.1:11435" */
  readonly url: string;
  /** Stops accepting, ends the open feeds, lets in-flight requests finish for up to `graceMs`, then cuts the rest. */
  close(graceMs?: number): Promise<void>;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Answers that never end by themselves (the run-events feed), with how to end each. Closing the
 * server ends them at once: its grace period is for requests that finish, and a feed would
 * otherwise hold every shutdown for the whole of it.
 */
const endOnClose = new WeakMap<ServerResponse, () => void>();
/** Each server's answers in progress, so that close can find its feeds. */
const inFlight = new WeakMap<Server, Set<ServerResponse>>();

/** Marks `response` as a feed that the server's close ends by calling `end`. */
export function endOnServerClose(response: ServerResponse, end: () => void): void {
  endOnClose.set(response, end);
}

export function createHttpServer(app: AppDeps, routes: readonly Route[]): Server {
  const route = createRouter(routes);
  const policy: AccessPolicy = {
    loopbackBind: isLoopbackAddress(app.config.host),
    allowedHosts: app.config.allowedHosts,
    allowedOrigins: app.config.allowedOrigins,
    apiKey: app.config.apiKey,
  };
  const bodyBudget = createBodyBudget(app.config.maxBodyTotalBytes);
  const open = new Set<ServerResponse>();

  // requireHostHeader is ours to check (singleHostHeader), so that the 400 has the OpenAI shape.
  const server = createServer({ requireHostHeader: false }, (request, response) => {
    // handle() answers its own errors; this catch is for a failure of that answer itself, which
    // must not become an unhandled rejection (Node exits on those).
    // Timed from here, so that a start deferred by a burst counts its wait.
    const elapsed = startTimer();
    open.add(response);
    response.once('close', () => open.delete(response));
    const start = (): void =>
      void handle(app, policy, route, bodyBudget, request, response, elapsed).catch((thrown: unknown) => {
        logQuietly(() => app.logger.error('request_failed', { error: thrown }));
        response.destroy();
      });
    // A burst of requests parsed in one turn (a thousand clients connecting at once) would start in
    // that turn too and hold the loop for all of them; past a slice they start on later turns, and
    // /health, which costs nothing, is never queued behind them.
    if (isHealthProbe(request.url)) start();
    else soonOrNow(start);
  });
  // Bytes that are not HTTP never reach handle(): Node's parser reports them here.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerMalformedRequest(error, socket));
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => answerConnect(socket));
  inFlight.set(server, open);
  return server;
}

async function handle(
  app: AppDeps,
  policy: AccessPolicy,
  route: ReturnType<typeof createRouter>,
  bodyBudget: BodyBudget,
  request: IncomingMessage,
  response: ServerResponse,
  elapsed: () => number,
): Promise<void> {
  const method = request.method ?? 'GET';
  // The client's leaving, heard without an AbortSignal until a handler asks for one (request-abort.ts).
  const abort = new RequestAbort();
  const logFields: Record<string, unknown> = {};
  let requestId: string | undefined;
  // The request's own logger (its lines carry request_id) is made only when something logs with it.
  let requestLogger: Logger | undefined;
  const logger = (): Logger => (requestLogger ??= requestId === undefined ? app.logger : app.logger.child({ request_id: requestId }));
  let path = shortened(request.url ?? '');
  const bodyLease = bodyBudget.lease();

  let closed = false;
  const onClose = (): void => {
    if (closed) return;
    closed = true;
    // The parsed body lives as long as the handler, so its bytes count until the answer is done.
    bodyLease.release();
    const aborted = !response.writableFinished;
    if (aborted) abort.abort(new ClientAbortedError());
    logQuietly(() => {
      // The same line a child logger with request_id would write, without making one per request.
      const fields: Record<string, unknown> = requestId === undefined ? {} : { request_id: requestId };
      fields.method = method;
      fields.path = path;
      fields.status = aborted ? 499 : response.statusCode;
      fields.ms = Math.round(elapsed() * 10) / 10;
      if (aborted) fields.aborted = true;
      for (const key in logFields) fields[key] = logFields[key];
      app.logger.info('request', fields);
    });
  };
  response.on('close', onClose);
  // A request whose start was deferred (a burst) may have lost its client meanwhile.
  if (request.socket.destroyed) {
    onClose();
    return;
  }

  // Everything from the first header read on is inside the try: any throw becomes an answer.
  try {
    const incomingId = request.headers['x-request-id'];
    requestId = typeof incomingId === 'string' && REQUEST_ID_PATTERN.test(incomingId) ? incomingId : app.newId('req');
    response.setHeader('x-request-id', requestId);
    const target = readTarget(request.url);
    path = target.pathname;
    const origin = request.headers.origin;
    checkHost(singleHostHeader(request.rawHeaders, request.httpVersion), policy);
    if (target.authority !== undefined) checkHost(target.authority, policy);
    checkOrigin(origin, policy);
    if (method === 'OPTIONS') {
      const requested = request.headers['access-control-request-headers'];
      response.writeHead(204, { ...corsHeaders(origin, requested, true), allow: 'GET, POST, OPTIONS' });
      response.end();
      return;
    }
    if (origin !== undefined) for (const [name, value] of Object.entries(corsHeaders(origin, undefined, false))) response.setHeader(name, value);
    // The key is checked before routing, so that without it not even the route table can be probed.
    if (target.pathname !== '/health' && !isUiPath(target.pathname)) checkApiKey(request.headers.authorization, policy);
    const match = route(method, target.pathname);
    const id = requestId;
    const context: RequestContext = {
      app,
      request,
      response,
      get url() {
        return target.url();
      },
      params: match.params,
      requestId: id,
      get logger() {
        return logger();
      },
      get signal() {
        return abort.signal;
      },
      cancel: abort,
      readJson: () => readJsonBody(request, { maxBytes: app.config.maxBodyBytes, lease: bodyLease }),
      logFields,
    };
    await match.handler(context);
  } catch (thrown) {
    // Once the client is gone, whatever failed after that (a write, the upstream read) is that.
    const error = sendError(response, abort.aborted ? abort.reason : thrown);
    logFields.error = error.message;
    if (error.status >= 500 && error.status !== 499) logQuietly(() => logger().error('request_failed', { error: thrown }));
  }
}

/**
 * A path of plain segments (letters, digits, "-", "_", "~" and inner dots, no dot segment, no
 * percent escape, no query), which is what clients send: the URL parser would give it back as it
 * is, so it is the pathname, and the URL is made only if a handler asks for it. Anything else
 * goes through parseRequestTarget.
 */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/;
const ORIGIN = 'http://localhost';

function readTarget(raw: string | undefined): { pathname: string; authority: string | undefined; url(): URL } {
  if (raw !== undefined && PLAIN_PATH.test(raw)) {
    let url: URL | undefined;
    return { pathname: raw, authority: undefined, url: () => (url ??= new URL(ORIGIN + raw)) };
  }
  const { url, authority } = parseRequestTarget(raw);
  return { pathname: url.pathname, authority, url: () => url };
}

function isHealthProbe(url: string | undefined): boolean {
  return url === '/health' || url?.startsWith('/health?') === true;
}

/** A log line must never be what takes a request, or the process, down. */
function logQuietly(write: () => void): void {
  try {
    write();
  } catch {
    // There is nowhere left to report a logger that throws.
  }
}

function shortened(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Listens and resolves once bound; the URL uses the bound port (port 0 picks a free one). */
export async function listen(server: Server, host: string, port: number): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        for (const response of inFlight.get(server) ?? []) {
          const end = endOnClose.get(response);
          if (end === undefined) continue;
          // Its connection goes with it: kept alive, it would hold the close until its idle timeout.
          // (The socket is taken now: a finished response is detached from it.)
          const socket = response.socket;
          response.once('finish', () => socket?.destroy());
          end();
        }
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
      }),
  };
}
