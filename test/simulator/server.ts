/**
 * The simulator's HTTP server: routing like gin (404/405 in text/plain), the native routes and the
 * OpenAI /v1 ones (openai-routes.ts), request recording, live counters, and abort accounting. A request counts as aborted when its socket closes before the
 * simulator finished answering; its handler is then told through an AbortSignal and stops.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleChat } from './chat.js';
import { handleEmbed, handleEmbeddings } from './embed.js';
import type { Exchange, RouteHandler, SimulatorCore } from './exchange.js';
import { handleGenerate } from './generate.js';
import { handlePs, handleRoot, handleShow, handleTags, handleVersion } from './metadata.js';
import { DEFAULT_MODELS, ModelCatalog } from './models.js';
import { OPENAI_ROUTES, openAiParamRoute } from './openai-routes.js';
import { ScriptBook } from './scripts.js';
import type { Fault, RecordedRequest, Simulator, SimulatorOptions, SimulatorStats } from './types.js';
import { sendError, sendText } from './wire.js';

const ROUTES: Record<string, Partial<Record<string, RouteHandler>>> = {
  '/': { GET: handleRoot, HEAD: handleRoot },
  '/api/version': { GET: handleVersion, HEAD: handleVersion },
  '/api/tags': { GET: handleTags, HEAD: handleTags },
  '/api/ps': { GET: handlePs },
  '/api/show': { POST: handleShow },
  '/api/chat': { POST: handleChat },
  '/api/generate': { POST: handleGenerate },
  '/api/embed': { POST: handleEmbed },
  '/api/embeddings': { POST: handleEmbeddings },
  ...OPENAI_ROUTES,
};

const DEFAULT_WAIT_MS = 2000;

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function recordedBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  let activeFault: Fault | undefined;
  const core: SimulatorCore = {
    catalog: new ModelCatalog(options.models ?? DEFAULT_MODELS),
    scripts: new ScriptBook(),
    settings: {
      version: options.version ?? '0.33.0',
      tokenLatencyMs: options.tokenLatencyMs ?? 0,
      firstTokenLatencyMs: options.firstTokenLatencyMs ?? 0,
    },
    currentFault: () => activeFault,
    now: options.now ?? (() => new Date()),
  };
  const requests: RecordedRequest[] = [];
  const stats: SimulatorStats = { requests: 0, completed: 0, aborted: 0, inFlight: 0 };
  const watchers = new Set<() => void>();
  // Requests from before a reset() no longer touch the counters.
  let era = 0;
  const notify = (): void => {
    for (const watcher of [...watchers]) watcher();
  };

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestEra = era;
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://simulator').pathname;
    const record: RecordedRequest = { method, path, headers: { ...request.headers }, body: undefined, aborted: false };
    requests.push(record);
    stats.requests += 1;
    stats.inFlight += 1;
    const sequence = stats.requests;
    notify();

    const controller = new AbortController();
    let closedByUs = false;
    response.on('error', () => undefined);
    response.on('close', () => {
      const finished = response.writableFinished || closedByUs;
      if (!finished) {
        record.aborted = true;
        controller.abort();
      }
      if (requestEra !== era) return;
      if (finished) stats.completed += 1;
      else stats.aborted += 1;
      stats.inFlight -= 1;
      notify();
    });

    let bodyText: string;
    try {
      bodyText = await readBody(request);
    } catch {
      return; // the client went away mid-body; 'close' does the accounting
    }
    record.body = recordedBody(bodyText);

    const route = ROUTES[path] ?? openAiParamRoute(path);
    if (route === undefined) return sendText(response, 404, '404 page not found');
    const handler = route[method];
    if (handler === undefined) return sendText(response, 405, '405 method not allowed');
    const exchange: Exchange = {
      request: record,
      response,
      signal: controller.signal,
      sequence,
      bodyText,
      closeAbruptly: () => {
        closedByUs = true;
        response.destroy();
      },
    };
    try {
      await handler(exchange, core);
    } catch (error) {
      // A throwing script function, for instance: a 500 if still possible, else a cut connection.
      if (!response.headersSent) sendError(response, 500, error instanceof Error ? error.message : String(error));
      else exchange.closeAbruptly();
    }
  }

  // Ollama's Go server has no timeouts; neither does the simulator.
  const server = createServer({ requestTimeout: 0 }, (request, response) => void serve(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stats,
    script: (model, script) => core.scripts.set(model, script),
    repull: (model) => core.catalog.repull(model),
    fault: (fault) => {
      activeFault = fault;
    },
    waitFor: (predicate, timeoutMs = DEFAULT_WAIT_MS) =>
      new Promise<void>((resolve, reject) => {
        const finish = (error?: unknown): void => {
          clearTimeout(timer);
          watchers.delete(check);
          if (error === undefined) resolve();
          else reject(error instanceof Error ? error : new Error(String(error)));
        };
        const check = (): void => {
          try {
            if (predicate(stats)) finish();
          } catch (error) {
            finish(error);
          }
        };
        const timer = setTimeout(
          () => finish(new Error(`waitFor timed out after ${timeoutMs} ms; stats: ${JSON.stringify(stats)}`)),
          timeoutMs,
        );
        watchers.add(check);
        check();
      }),
    reset: () => {
      era += 1;
      core.scripts.clear();
      activeFault = undefined;
      requests.length = 0;
      Object.assign(stats, { requests: 0, completed: 0, aborted: 0, inFlight: 0 });
      notify();
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // Stalled and keep-alive sockets would otherwise hold close() forever.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
