/**
 * What models the backend has, cached briefly so that checking a model before opening a stream
 * costs no round trip on the hot path, and refreshed at once when a name is not found (the user
 * may just have run `ollama pull`). A refresh and a model's /api/show are each asked once however
 * many requests need them at the same time.
 */
import { NotFoundError } from '../utils/errors.js';
import type { OllamaClient } from './ollama-client.js';
import { waitShared } from './shared-wait.js';
import type { BackendFeature } from '../types/backend.js';
import type { OllamaShowResponse, OllamaTagModel } from '../types/ollama.js';

export interface ModelCatalog {
  /** The installed models, from a cache at most `ttlMs` old. */
  list(signal?: AbortSignal): Promise<OllamaTagModel[]>;
  /** The installed model a request's name refers to ("llama3.2" is "llama3.2:latest"), refreshing once on a miss. */
  find(name: string, signal?: AbortSignal): Promise<OllamaTagModel | undefined>;
  /** Like find, but throws the 404 that names what is installed. */
  require(name: string, signal?: AbortSignal): Promise<OllamaTagModel>;
  /** The model's capabilities from /api/show (cached), or undefined when the backend does not report them. */
  capabilities(name: string, signal?: AbortSignal): Promise<string[] | undefined>;
  /** The 404 for a name that is not installed; `virtualIds` (the pipeline's models) are listed too. */
  notFound(name: string, signal?: AbortSignal, virtualIds?: readonly string[]): Promise<NotFoundError>;
  /** What the backends serving the model lack (an OpenAI-compatible server's `unsupported`); [] for Ollama. */
  lacks(name: string): readonly BackendFeature[];
}

/** Keyed by digest: a re-pulled model is a new entry, so its capabilities are asked afresh. */
const showKey = (model: OllamaTagModel): string => `${model.name}@${model.digest}`;

/** Names as requests spell them, kept normalised; a client uses a handful, so the bound is generous. */
const MAX_WANTED_NAMES = 1024;

export interface ModelCatalogOptions {
  ttlMs: number;
  now: () => number;
  /**
   * With several backends (a pool): a pinned id `backend/model` is found as `model`, and only when
   * that backend lists it (`listed`); undefined for an id that pins nothing.
   */
  pinned?: (name: string) => { model: string; listed: boolean } | undefined;
  /** The backends' names, for the 404 (several backends); absent: the one Ollama. */
  backendNames?: readonly string[];
  /** What the backends serving a model lack; absent: nothing (Ollama). */
  lacks?: (name: string) => readonly BackendFeature[];
}

const LACKS_NOTHING: readonly BackendFeature[] = Object.freeze([]);

export function createModelCatalog(ollama: OllamaClient, options: ModelCatalogOptions): ModelCatalog {
  let cached: { at: number; models: OllamaTagModel[] } | undefined;
  // One /api/tags in flight at a time, shared by every caller that needs the list meanwhile: a
  // thousand requests arriving together must not become a thousand refreshes.
  let refreshing: Promise<OllamaTagModel[]> | undefined;
  const shows = new Map<string, { pending: Promise<OllamaShowResponse> } | { value: OllamaShowResponse }>();

  const fetchList = async (): Promise<OllamaTagModel[]> => {
    const startedAt = options.now();
    // Shared, so no one caller's cancel may abort it; the client's idle deadline bounds it.
    const response = await ollama.tags();
    cached = { at: startedAt, models: response.models ?? [] };
    return cached.models;
  };

  const refresh = (signal?: AbortSignal): Promise<OllamaTagModel[]> => {
    if (refreshing === undefined) {
      const started = fetchList();
      refreshing = started;
      const settled = (): void => {
        refreshing = undefined;
      };
      started.then(settled, settled);
    }
    return waitShared(refreshing, signal);
  };

  /** The list, and whether it was fetched for this call (so a miss in it is already up to date). */
  const current = async (signal?: AbortSignal): Promise<{ models: OllamaTagModel[]; fresh: boolean }> =>
    cached !== undefined && options.now() - cached.at < options.ttlMs ? { models: cached.models, fresh: false } : { models: await refresh(signal), fresh: true };

  const list = async (signal?: AbortSignal): Promise<OllamaTagModel[]> => (await current(signal)).models;

  // Every pass-through request looks its model up twice (the model, then its capabilities): each
  // list is indexed by normalised name once, and each name asked for is normalised once.
  const indexes = new WeakMap<OllamaTagModel[], Map<string, OllamaTagModel>>();
  const wantedNames = new Map<string, string>();
  const indexOf = (models: OllamaTagModel[]): Map<string, OllamaTagModel> => {
    let index = indexes.get(models);
    if (index === undefined) {
      index = new Map();
      // The first model whose name or model field matches wins, as a scan of the list would find it.
      for (const model of models) {
        for (const field of [model.name, model.model]) {
          if (typeof field !== 'string') continue; // an older Ollama may leave "model" out
          const key = normaliseModelName(field);
          if (!index.has(key)) index.set(key, model);
        }
      }
      indexes.set(models, index);
    }
    return index;
  };
  const lookup = (models: OllamaTagModel[], name: string): OllamaTagModel | undefined => {
    let wanted = wantedNames.get(name);
    if (wanted === undefined) {
      wanted = normaliseModelName(name);
      if (wantedNames.size >= MAX_WANTED_NAMES) wantedNames.clear();
      wantedNames.set(name, wanted);
    }
    return indexOf(models).get(wanted);
  };

  /** The model from a list still fresh, without waiting for anything: what nearly every request finds. */
  const cachedHit = (name: string): OllamaTagModel | undefined =>
    cached !== undefined && options.now() - cached.at < options.ttlMs ? lookup(cached.models, name) : undefined;
  const findSlowly = async (name: string, signal?: AbortSignal): Promise<OllamaTagModel | undefined> => {
    const pin = options.pinned?.(name);
    if (pin !== undefined) {
      // The pool's own lists decide whether that backend has it; the merged list gives its metadata.
      await current(signal);
      return pin.listed ? findSlowly(pin.model, signal) : undefined;
    }
    const { models, fresh } = await current(signal);
    const hit = lookup(models, name);
    if (hit !== undefined || fresh) return hit;
    return lookup(await refresh(signal), name);
  };
  const capabilitiesSlowly = async (name: string, signal?: AbortSignal): Promise<string[] | undefined> => {
    const model = await catalog.find(name, signal);
    if (model === undefined) return undefined;
    // A pinned id asks its own backend (an OpenAI-compatible one answers for itself).
    const pinned = options.pinned?.(name) !== undefined;
    const key = pinned ? `${name}\n${showKey(model)}` : showKey(model);
    const known = shows.get(key);
    if (known !== undefined && 'value' in known) return known.value.capabilities;
    let pending = known?.pending;
    if (pending === undefined) {
      // Shared by concurrent callers, so no one caller's cancel may abort it.
      const asked = ollama.show({ model: pinned ? name : model.name });
      pending = asked;
      shows.set(key, { pending: asked });
      asked.then(
        (value) => shows.set(key, { value }),
        () => shows.delete(key),
      );
    }
    return (await waitShared(pending, signal)).capabilities;
  };

  // find and capabilities answer from the caches with an already-resolved promise: each is asked
  // on every pass-through request, and an async function per call was a chain of promises each.
  const catalog: ModelCatalog = {
    list,
    lacks: options.lacks ?? (() => LACKS_NOTHING),
    find(name, signal) {
      const hit = cachedHit(name);
      return hit !== undefined ? Promise.resolve(hit) : findSlowly(name, signal);
    },
    async require(name, signal) {
      const model = await catalog.find(name, signal);
      if (model === undefined) throw await catalog.notFound(name, signal);
      return model;
    },
    capabilities(name, signal) {
      const model = cachedHit(name);
      const known = model === undefined ? undefined : shows.get(showKey(model));
      return known !== undefined && 'value' in known ? Promise.resolve(known.value.capabilities) : capabilitiesSlowly(name, signal);
    },
    async notFound(name, signal, virtualIds = []) {
      let names: string[] = [];
      try {
        names = (await list(signal)).map((model) => model.name);
      } catch {
        // The 404 is still true without the list; do not turn it into a second failure.
      }
      const pipeline = virtualIds.length > 0 ? ` Pipeline models: ${virtualIds.slice(0, 12).join(', ')}${virtualIds.length > 12 ? ', …' : ''}.` : '';
      const backends = options.backendNames;
      const where = backends === undefined ? 'Ollama models' : `Models on the backends (${backends.join(', ')})`;
      const available = names.length > 0 ? ` ${where}: ${names.join(', ')}.` : backends === undefined ? ' No Ollama models are installed yet.' : ' No backend lists any model yet.';
      // "rlm…" names the pipeline, not something to pull from Ollama's registry.
      const advice = /^rlm(\/|$)/.test(name)
        ? ''
        : backends === undefined
          ? ` Install it with \`ollama pull ${name}\`.`
          : ` Install it on a backend (\`ollama pull\` on an Ollama one), or pin one with "backend/model".`;
      return new NotFoundError(`The model '${name}' does not exist.${pipeline}${available}${advice}`, 'model', 'model_not_found');
    },
  };
  return catalog;
}

/**
 * Ollama's name rule (docs/reference/ollama-protocol.md §2): case-insensitive, default tag
 * "latest", and the default host and namespace may be written out ("registry.ollama.ai/library/x").
 */
export function normaliseModelName(name: string): string {
  const lower = name
    .trim()
    .toLowerCase()
    .replace(/^registry\.ollama\.ai\//, '')
    .replace(/^library\//, '');
  const lastSlash = lower.lastIndexOf('/');
  return lower.slice(lastSlash + 1).includes(':') ? lower : `${lower}:latest`;
}
