/**
 * Where a model id goes. `name/rest`, where `name` is a backend's, is pinned to that backend with
 * `rest` as the model it is sent (only the first segment can pin: vLLM's `Qwen/Qwen2.5-7B` is an
 * id, not a backend). Any other id goes to the backends whose model list has it.
 *
 * The lists known are used at once, and a stale one is refreshed in the background; only a model
 * in no list waits, for one refresh of each backend that may have gained it, before the 404.
 * Routes are remembered per id until a list changes, so the hot path normalises nothing.
 */
import { NotFoundError } from '../../utils/errors.js';
import { waitShared } from '../shared-wait.js';
import type { PoolBackend } from './pool-backend.js';

export interface Route {
  /** The id as the request spelled it. */
  readonly model: string;
  /** The id the chosen backend is sent. */
  readonly sent: string;
  /** In configuration order. */
  readonly candidates: readonly PoolBackend[];
  /** By a `name/` prefix, not by the lists. */
  readonly pinned: boolean;
}

export interface ModelRoutes {
  /** The route by the lists known now, or undefined when no list known has the model. */
  known(model: string): Route | undefined;
  /** The route after refreshing the lists that may have gained the model; the 404 when none has it. */
  resolve(model: string, signal?: AbortSignal): Promise<Route>;
  /** The names of the backends serving the model, by the lists known. */
  backendsFor(model: string): string[];
}

/** Ids a client uses are few; the bound only keeps a stream of random ids from growing the map. */
const MAX_REMEMBERED = 1024;

export function createModelRoutes(backends: readonly PoolBackend[], now: () => number): ModelRoutes {
  const byName = new Map(backends.map((backend) => [backend.member.name, backend]));
  const pinned = new Map<string, Route>();
  const remembered = new Map<string, { lists: readonly unknown[]; route: Route | undefined }>();

  const pinnedRoute = (model: string): Route | undefined => {
    const slash = model.indexOf('/');
    if (slash <= 0) return undefined;
    const backend = byName.get(model.slice(0, slash));
    if (backend === undefined) return undefined;
    let route = pinned.get(model);
    if (route === undefined) {
      route = { model, sent: model.slice(slash + 1), candidates: [backend], pinned: true };
      if (pinned.size >= MAX_REMEMBERED) pinned.clear();
      pinned.set(model, route);
    }
    return route;
  };

  const refreshStale = (): void => {
    const at = now();
    for (const backend of backends) {
      if (!backend.models.fresh(at) && backend.health.state(at) !== 'cooling') backend.models.refresh().catch(() => undefined);
    }
  };

  const fromLists = (model: string): Route | undefined => {
    const lists = backends.map((backend) => backend.models.known);
    const memo = remembered.get(model);
    if (memo !== undefined && memo.lists.every((list, index) => list === lists[index])) return memo.route;
    const candidates = backends.filter((backend) => backend.models.has(model) === true);
    const route = candidates.length > 0 ? { model, sent: model, candidates, pinned: false } : undefined;
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(model, { lists, route });
    return route;
  };

  const known = (model: string): Route | undefined => {
    const route = pinnedRoute(model);
    if (route !== undefined) return route;
    refreshStale();
    return fromLists(model);
  };

  return {
    known,
    async resolve(model, signal) {
      const at = now();
      // A backend cooling off is not asked (its last list stands), unless no list of it is known.
      const asked = backends.filter((backend) => backend.models.has(model) !== true && (backend.models.known === undefined || backend.health.state(at) !== 'cooling'));
      const outcomes = await waitShared(Promise.allSettled(asked.map((backend) => backend.models.refresh())), signal);
      const route = known(model);
      if (route !== undefined) return route;
      // A backend whose list could not be read at all may be the one serving the model: its error is the truer answer.
      const unread = outcomes.findIndex((outcome, index) => outcome.status === 'rejected' && asked[index]?.models.known === undefined);
      if (unread !== -1) throw (outcomes[unread] as PromiseRejectedResult).reason;
      const names = backends.map((backend) => backend.member.name).join(', ');
      throw new NotFoundError(`The model '${model}' is not served by any backend (searched ${names}).`, 'model', 'model_not_found');
    },
    backendsFor(model) {
      const route = pinnedRoute(model) ?? fromLists(model);
      return route === undefined ? [] : route.candidates.map((backend) => backend.member.name);
    },
  };
}
