/**
 * Many backends behind the one OllamaClient interface the rest of rlm uses: each request is routed
 * to the backends serving its model (model-routes.ts), balanced by least in flight within each
 * backend's `maxConcurrent` with one bounded queue beyond (backend-choice.ts, src/utils/slot-queue.ts), kept
 * away from backends cooling off after a failure (member-health.ts), and retried once elsewhere
 * when its backend fails before any output (pool-calls.ts).
 *
 * One backend with no configured models and no concurrency limit is forwarded straight, adding
 * nothing per request or per chunk but the strip of a `name/` prefix: there is nothing to balance
 * or fail over to, and the pass-through hop is tuned for CPU. Its state is then not tracked
 * (`tracked: false`); /health has its own probe for it (backend-status.ts).
 */
import type { BackendType } from '../../types/backend.js';
import type { OllamaTagModel, OllamaVersionResponse } from '../../types/ollama.js';
import type { OllamaClient } from '../ollama-client.js';
import { waitShared } from '../shared-wait.js';
import { createChooser } from './backend-choice.js';
import type { HealthState } from './member-health.js';
import { modelKey } from './member-models.js';
import { createModelRoutes } from './model-routes.js';
import { createPoolBackend, type PoolBackend, type PoolMember } from './pool-backend.js';
import { createPoolCalls, type FailoverEvent, type Session } from './pool-calls.js';
import { createSlotQueue } from '../../utils/slot-queue.js';

export type { PoolMember } from './pool-backend.js';
export type { FailoverEvent } from './pool-calls.js';
export { BackendQueueFullError } from './backend-queue-full-error.js';

export interface BackendState {
  name: string;
  type: BackendType;
  url: string;
  state: HealthState;
  /** When it may be tried again (the injected clock's ms), while cooling or probing. */
  cooldownUntil: number | null;
  /** Failures in a row (one per round, see member-health.ts). */
  failures: number;
  lastError: string | null;
  inFlight: number;
  queued: number;
  /** The last list known (configured or discovered). */
  models: string[];
  /** EWMA of the time to first chunk (streams) or to the whole answer (other chat, generate, embed). */
  latencyMs: number | null;
  /** false: the pool forwards straight to its one backend and counts nothing. */
  tracked: boolean;
}

export interface FailoverObserver {
  onFailover?(event: FailoverEvent): void;
  /** Which backend answered a call of the session (for its record). */
  onAnswer?(backend: string): void;
}

export interface BackendPool extends OllamaClient {
  /** A view for one pipeline run: each model stays on the backend first chosen for it while that backend is up, and each failover is reported. */
  session(observer?: FailoverObserver): OllamaClient;
  /** Each backend's state, in configuration order. */
  states(): BackendState[];
  /** The backends serving a model id (qualified or not), by the lists known. */
  backendsFor(model: string): string[];
  readonly members: readonly PoolMember[];
  /** Nothing runs in the background (probing is the next request's), so there is nothing to stop; kept for the contract. */
  close(): void;
}

export interface BackendPoolOptions {
  now?: () => number;
  /** The first cooldown; each failure in a row doubles it. Default 1000 ms. */
  cooldownBaseMs?: number;
  /** Default 30 000 ms. A Retry-After sets the cooldown instead, up to an hour. */
  cooldownMaxMs?: number;
  /** Requests waiting for a slot, over all backends; beyond, a 429. Default 256. */
  maxQueued?: number;
  /** The 429's Retry-After. Default 1 s. */
  retryAfterSeconds?: number;
  /** How long a discovered model list is used before it is asked again (in the background). Default 5000 ms. */
  modelListTtlMs?: number;
  /** Told of every failover, in every session and outside them. */
  onFailover?(event: FailoverEvent): void;
}

export function createBackendPool(members: PoolMember[], options: BackendPoolOptions = {}): BackendPool {
  if (members.length === 0) throw new Error('A backend pool needs at least one backend.');
  const only = members[0] as PoolMember;
  if (members.length === 1 && only.models === null && only.maxConcurrent === null) return forwardingPool(only);

  const now = options.now ?? Date.now;
  const backends = members.map((member, index) =>
    createPoolBackend(member, index, {
      now,
      cooldownBaseMs: options.cooldownBaseMs ?? 1000,
      cooldownMaxMs: options.cooldownMaxMs ?? 30_000,
      modelListTtlMs: options.modelListTtlMs ?? 5000,
    }),
  );
  const routes = createModelRoutes(backends, now);
  const queue = createSlotQueue<readonly PoolBackend[]>({ maxQueued: options.maxQueued ?? 256 });
  const calls = createPoolCalls({
    routes,
    choose: createChooser(now),
    queue,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
    now,
    onFailover(event, session) {
      options.onFailover?.(event);
      session?.(event);
    },
  });

  const view = (session: Session | undefined): OllamaClient => ({
    baseUrl: only.client.baseUrl,
    chatStream: (request, signal) => calls.stream(request, signal, (client, body, s) => client.chatStream(body, s), session),
    chat: (request, signal) => calls.whole(request, signal, (client, body, s) => client.chat(body, s), true, session),
    generateStream: (request, signal) => calls.stream(request, signal, (client, body, s) => client.generateStream(body, s), session),
    generate: (request, signal) => calls.whole(request, signal, (client, body, s) => client.generate(body, s), true, session),
    embed: (request, signal) => calls.whole(request, signal, (client, body, s) => client.embed(body, s), true, session),
    show: (request, signal) => calls.whole(request, signal, (client, body, s) => client.show(body, s), false, session),
    tags: (signal) => mergedTags(backends, now, signal),
    version: (signal) => firstVersion(backends, signal),
  });

  return {
    ...view(undefined),
    members,
    session: (observer) => view({ sticky: new Map(), onFailover: observer?.onFailover?.bind(observer), onAnswer: observer?.onAnswer?.bind(observer) }),
    states: () => backends.map((backend) => stateOf(backend, now(), queue.queuedWhere((candidates) => candidates.includes(backend)))),
    backendsFor: (model) => routes.backendsFor(model),
    close: () => undefined,
  };
}

function stateOf(backend: PoolBackend, at: number, queued: number): BackendState {
  const { member, health } = backend;
  return {
    name: member.name,
    type: member.type,
    url: member.client.baseUrl,
    state: health.state(at),
    cooldownUntil: health.cooldownUntil,
    failures: health.failures,
    lastError: health.lastError,
    inFlight: backend.inFlight,
    queued,
    models: (backend.models.known ?? []).map((model) => model.name),
    latencyMs: health.latencyMs,
    tracked: true,
  };
}

/**
 * Every backend's models once each, the first backend in configuration order winning for an id
 * several serve. A backend cooling off is not asked, and it and a backend failing now contribute
 * their last lists; only when no backend answers (all are asked then) is the first one's error
 * thrown, so that callers see an outage as they did with one backend.
 */
async function mergedTags(backends: readonly PoolBackend[], now: () => number, signal: AbortSignal | undefined): Promise<{ models: OllamaTagModel[] }> {
  const at = now();
  const reachable = backends.filter((backend) => backend.health.state(at) !== 'cooling' || backend.models.known === undefined);
  const asked = reachable.length > 0 ? reachable : backends;
  // The refreshes are shared (routing waits on them too): a caller's signal ends its own wait only.
  const outcomes = await waitShared(Promise.allSettled(asked.map((backend) => backend.models.refresh())), signal);
  if (!outcomes.some((outcome) => outcome.status === 'fulfilled')) throw (outcomes[0] as PromiseRejectedResult).reason;
  const seen = new Set<string>();
  const models: OllamaTagModel[] = [];
  for (const backend of backends) {
    for (const model of backend.models.known ?? []) {
      const key = modelKey(backend.member.type, model.name);
      if (seen.has(key)) continue;
      seen.add(key);
      models.push(model);
    }
  }
  return { models };
}

/** The first backend's version, or, while it is down, the next one's. */
async function firstVersion(backends: readonly PoolBackend[], signal: AbortSignal | undefined): Promise<OllamaVersionResponse> {
  let firstError: unknown;
  for (const backend of backends) {
    try {
      return await backend.metadata(() => backend.member.client.version(signal));
    } catch (error) {
      if (signal?.aborted === true) throw error;
      firstError ??= error;
    }
  }
  throw firstError;
}

/** One plain backend: its own client, with a `name/` prefix stripped from the model. */
function forwardingPool(member: PoolMember): BackendPool {
  const { client } = member;
  const prefix = `${member.name}/`;
  let models: string[] = [];
  const strip = <R extends { model: string }>(request: R): R => (request.model.startsWith(prefix) ? { ...request, model: request.model.slice(prefix.length) } : request);
  const direct: OllamaClient = {
    baseUrl: client.baseUrl,
    chatStream: (request, signal) => client.chatStream(strip(request), signal),
    chat: (request, signal) => client.chat(strip(request), signal),
    generateStream: (request, signal) => client.generateStream(strip(request), signal),
    generate: (request, signal) => client.generate(strip(request), signal),
    embed: (request, signal) => client.embed(strip(request), signal),
    show: (request, signal) => client.show(strip(request), signal),
    tags: async (signal) => {
      const answer = await client.tags(signal);
      models = (answer.models ?? []).map((model) => model.name);
      return answer;
    },
    version: (signal) => client.version(signal),
  };
  return {
    ...direct,
    members: [member],
    session: () => direct,
    states: () => [
      { name: member.name, type: member.type, url: client.baseUrl, state: 'up', cooldownUntil: null, failures: 0, lastError: null, inFlight: 0, queued: 0, models, latencyMs: null, tracked: false },
    ],
    backendsFor: (model) => (model.startsWith(prefix) || models.some((name) => modelKey(member.type, name) === modelKey(member.type, model)) ? [member.name] : []),
    close: () => undefined,
  };
}
