/**
 * One request through the pool: route it, take a backend (or wait in the queue), send it, and
 * when the backend fails before any output, send it once more to another candidate. A stream
 * counts as having output from its first chunk: after that it is never retried, since the caller
 * may already have passed the chunk on, and the error goes to the caller. Either way a failure
 * that is the backend's counts against it (backend-failure.ts). The caller's signal goes to
 * whichever backend is called, and a cancel is never retried.
 */
import { ClientAbortedError, RlmError } from '../../utils/errors.js';
import type { OllamaClient } from '../ollama-client.js';
import { isBackendFailure, isModelGone } from './backend-failure.js';
import type { Chooser, Lease } from './backend-choice.js';
import type { HealthTicket } from './member-health.js';
import type { ModelRoutes, Route } from './model-routes.js';
import type { PoolBackend } from './pool-backend.js';
import type { SlotQueue } from '../../utils/slot-queue.js';
import { BackendQueueFullError } from './backend-queue-full-error.js';

export interface FailoverEvent {
  /** The id as the request spelled it. */
  model: string;
  /** The backend that failed, and the one the request went to next (names). */
  from: string;
  to: string;
  error: RlmError;
}

/** A session's memory of which backend each model went to. */
export type Stickiness = Map<string, PoolBackend>;

export interface CallDeps {
  routes: ModelRoutes;
  choose: Chooser;
  /** Waiters for a slot, each tagged with its candidates. */
  queue: SlotQueue<readonly PoolBackend[]>;
  /** The Retry-After of the 429 when the queue is full. */
  retryAfterSeconds: number;
  now: () => number;
  onFailover(event: FailoverEvent, session: ((event: FailoverEvent) => void) | undefined): void;
}

/** How one request is sent to a backend's client. */
export type Send<R, T> = (client: OllamaClient, request: R, signal: AbortSignal | undefined) => T;

export interface PoolCalls {
  stream<R extends { model: string }, T>(request: R, signal: AbortSignal | undefined, send: Send<R, AsyncGenerator<T>>, session?: Session): AsyncGenerator<T>;
  whole<R extends { model: string }, T>(request: R, signal: AbortSignal | undefined, send: Send<R, Promise<T>>, slotted: boolean, session?: Session): Promise<T>;
}

export interface Session {
  sticky: Stickiness;
  onFailover: ((event: FailoverEvent) => void) | undefined;
  /** Told which backend answered a call (a stream: once its first chunk is in). */
  onAnswer: ((backend: string) => void) | undefined;
}

export function createPoolCalls(deps: CallDeps): PoolCalls {
  const { routes, choose, queue } = deps;

  const route = (model: string, signal: AbortSignal | undefined): Route | Promise<Route> => routes.known(model) ?? routes.resolve(model, signal);

  /** A caller that leaves while its request waits (for a model list or a slot) gets what the adapter would give it. */
  const admitted = async <T>(waiting: T | Promise<T>, signal: AbortSignal | undefined): Promise<T> => {
    try {
      return await waiting;
    } catch (error) {
      if (signal?.aborted !== true) throw error;
      const reason: unknown = signal.reason;
      throw reason instanceof RlmError ? reason : new ClientAbortedError();
    }
  };

  const lease = async (path: Route, excluded: PoolBackend | undefined, slotted: boolean, signal: AbortSignal | undefined, session: Session | undefined): Promise<Lease> => {
    const remembered = session?.sticky.get(path.model);
    const request = { candidates: path.candidates, excluded, preferred: remembered, slotted };
    const taken = slotted ? await waitForSlot(() => choose(request), path, signal) : choose(request);
    if (taken === undefined) throw new Error('No backend left to choose'); // unreachable: unslotted choices always find one
    if (session !== undefined && (remembered === undefined || remembered.health.state(deps.now()) !== 'up')) session.sticky.set(path.model, taken.backend);
    return taken;
  };

  /** A slot now, a place in the queue (the run limiter's rules, src/utils/slot-queue.ts), or the 429. */
  const waitForSlot = (take: () => Lease | undefined, path: Route, signal: AbortSignal | undefined): Promise<Lease> => {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    const place = queue.enter(take, path.candidates);
    if (place === undefined) return Promise.reject(new BackendQueueFullError(path.model, queue.queued, deps.retryAfterSeconds));
    return place.wait(signal);
  };

  const release = (taken: Lease): void => {
    if (!taken.slotted) return;
    taken.backend.inFlight -= 1;
    queue.wake();
  };

  /**
   * Records the failure against the backend when it is the backend's, and says whether another
   * backend may be tried: after such a failure, or after a 404 for a model its list still had (the
   * list is asked again; that is no failure of the backend's).
   */
  const account = (backend: PoolBackend, ticket: HealthTicket, error: unknown, started: boolean, signal: AbortSignal | undefined, pinned: boolean): boolean => {
    if (isBackendFailure(error, started, signal)) {
      backend.health.fail(ticket, error as RlmError);
      return true;
    }
    backend.health.settle(ticket);
    if (pinned || started || signal?.aborted === true || !isModelGone(error)) return false;
    backend.models.refresh().catch(() => undefined);
    return true;
  };

  /** The next backend for a request that failed on `failed`, or the failure itself when there is none. */
  const failover = async (path: Route, failed: PoolBackend, failure: unknown, slotted: boolean, signal: AbortSignal | undefined, session: Session | undefined): Promise<Lease> => {
    if (!path.candidates.some((candidate) => candidate !== failed)) throw failure;
    const next = await admitted(lease(path, failed, slotted, signal, session), signal);
    session?.sticky.set(path.model, next.backend);
    deps.onFailover({ model: path.model, from: failed.member.name, to: next.backend.member.name, error: failure as RlmError }, session?.onFailover);
    return next;
  };

  const sent = <R extends { model: string }>(request: R, path: Route): R => (path.sent === request.model ? request : { ...request, model: path.sent });

  return {
    async *stream(request, signal, send, session) {
      const path = await admitted(route(request.model, signal), signal);
      let current = await admitted(lease(path, undefined, true, signal, session), signal);
      for (let attempt = 1; ; attempt++) {
        const { backend, ticket } = current;
        let started = false;
        let failure: unknown;
        try {
          for await (const chunk of send(backend.member.client, sent(request, path), signal)) {
            if (!started) {
              started = true;
              backend.health.succeed(ticket, true);
              session?.onAnswer?.(backend.member.name);
            }
            yield chunk;
          }
          if (!started) backend.health.succeed(ticket, true);
          return;
        } catch (error) {
          if (!account(backend, ticket, error, started, signal, path.pinned) || started || attempt > 1) throw error;
          failure = error;
        } finally {
          release(current);
        }
        current = await failover(path, backend, failure, true, signal, session);
      }
    },
    async whole(request, signal, send, slotted, session) {
      const path = await admitted(route(request.model, signal), signal);
      let current = await admitted(lease(path, undefined, slotted, signal, session), signal);
      for (let attempt = 1; ; attempt++) {
        const { backend, ticket } = current;
        let failure: unknown;
        try {
          const answer = await send(backend.member.client, sent(request, path), signal);
          // A metadata answer (show) says nothing about whether the backend takes work.
          if (slotted) backend.health.succeed(ticket, true);
          else backend.health.settle(ticket);
          session?.onAnswer?.(backend.member.name);
          return answer;
        } catch (error) {
          if (!account(backend, ticket, error, false, signal, path.pinned) || attempt > 1) throw error;
          failure = error;
        } finally {
          release(current);
        }
        current = await failover(path, backend, failure, slotted, signal, session);
      }
    },
  };
}
