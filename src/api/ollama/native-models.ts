/**
 * Ollama's discovery routes: `GET /` and `HEAD /` ("Ollama is running", the liveness probe its
 * clients use), `GET /api/version` (the backend's version, so clients' feature checks see what
 * they will talk to), `GET /api/tags` (the virtual models first, then the installed ones as Ollama
 * lists them) and `GET /api/ps` (Ollama's own; with several Ollama backends, what each has loaded,
 * in one list). While Ollama is down, /api/tags still answers 200
 * with the virtual models and the last installed list known, and /api/version with the last
 * version seen, so that a client's model picker keeps `rlm`; /health tells the outage.
 */
import type { RequestContext } from '../../server/context.js';
import { RlmError } from '../../utils/errors.js';
import { listModels } from '../installed-models.js';
import { sendNativeJson } from './native-chunks.js';
import { classifyUpstreamFailure } from '../../llm/upstream-errors.js';
import { forwardToOllama, ollamaBaseUrls } from './native-forward.js';
import { describeVirtual, virtualTagEntry } from './virtual-models.js';

const RUNNING = 'Ollama is running';

export async function handleNativeRoot(context: RequestContext): Promise<void> {
  // A browser asks for HTML and gets rlm's page; Ollama's clients (no text/html) get Ollama's answer.
  if (context.request.method === 'GET' && context.request.headers.accept?.includes('text/html') === true) {
    context.response.writeHead(302, { location: '/ui/', 'content-length': 0 });
    context.response.end();
    return;
  }
  context.response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(RUNNING) });
  context.response.end(RUNNING);
}

/** The last version each backend reported, by its URL. */
const lastVersions = new Map<string, string>();

export async function handleNativeVersion(context: RequestContext): Promise<void> {
  const { app, signal } = context;
  let version: string;
  try {
    version = (await app.ollama.version(signal)).version;
    lastVersions.set(app.ollama.baseUrl, version);
  } catch (error) {
    const known = lastVersions.get(app.ollama.baseUrl);
    if (signal.aborted || !(error instanceof RlmError) || known === undefined) throw error;
    version = known;
  }
  sendNativeJson(context.response, 200, { version });
}

export async function handleNativeTags(context: RequestContext): Promise<void> {
  const { app, signal } = context;
  const { installed, virtualIds, reachable } = await listModels(app, signal);
  const virtual = await Promise.all(virtualIds.map((id) => describeVirtual(app, id, installed, signal)));
  if (!reachable) context.logFields.backend = 'unreachable';
  sendNativeJson(context.response, 200, { models: [...virtual.map((model) => virtualTagEntry(model, app.startedAt)), ...installed] });
}

/**
 * What Ollama has loaded; a virtual model is never loaded itself, its models are. One Ollama's
 * answer is relayed as it is; several Ollama backends' lists are joined in configuration order,
 * leaving out a backend that cannot answer (the 502 only when none can).
 */
export async function handleNativePs(context: RequestContext): Promise<void> {
  const urls = ollamaBaseUrls(context.app);
  if (urls.length <= 1) return forwardToOllama(context, { method: 'GET', path: '/api/ps' });
  const answers = await Promise.allSettled(urls.map((url) => loadedModels(context, url)));
  const lists = answers.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value] : []));
  if (lists.length === 0) throw (answers[0] as PromiseRejectedResult).reason;
  const missed = answers.length - lists.length;
  if (missed > 0) context.logFields.backends_unanswered = missed;
  sendNativeJson(context.response, 200, { models: lists.flat() });
}

async function loadedModels(context: RequestContext, baseUrl: string): Promise<unknown[]> {
  const { app, signal } = context;
  const fail = (error: unknown): Error => classifyUpstreamFailure(error, { baseUrl, timeoutMs: app.config.upstreamTimeoutMs, callerSignal: signal, idleExpired: false });
  let answer: Response;
  try {
    answer = await fetch(`${baseUrl}/api/ps`, { signal });
  } catch (error) {
    throw fail(error);
  }
  if (!answer.ok) throw new RlmError(`Ollama at ${baseUrl} answered /api/ps with ${answer.status}.`, { status: 502, type: 'api_error', code: 'upstream_error' });
  const body = (await answer.json().catch((error: unknown) => {
    throw fail(error);
  })) as { models?: unknown };
  return Array.isArray(body.models) ? body.models : [];
}

