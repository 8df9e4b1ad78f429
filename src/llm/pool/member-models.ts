/**
 * The models one backend serves: its configured `models`, or its own list (`tags()`), cached for
 * `ttlMs` and refreshed with one request in flight however many callers need it. A refresh that
 * fails keeps the last list known, so a backend that went down still says what it had.
 *
 * Ollama backends match names by Ollama's rule ("llama3.2" is "llama3.2:latest", case aside);
 * OpenAI-compatible ones exactly, as their servers do.
 */
import { normaliseModelName } from '../model-catalog.js';
import type { BackendType } from '../../types/backend.js';
import type { OllamaTagModel, OllamaTagsResponse } from '../../types/ollama.js';

export interface MemberModels {
  /** The last list known, or undefined before the first answer. */
  readonly known: readonly OllamaTagModel[] | undefined;
  /** Whether the list is configured or younger than the TTL. */
  fresh(now: number): boolean;
  /** Whether the known list has the model; undefined while no list is known. */
  has(model: string): boolean | undefined;
  /** Asks the backend again (one request at a time, shared); rejects with its error, keeping the last list. */
  refresh(): Promise<readonly OllamaTagModel[]>;
}

export interface MemberModelsOptions {
  type: BackendType;
  configured: readonly string[] | null;
  fetchTags: () => Promise<OllamaTagsResponse>;
  ttlMs: number;
  now: () => number;
}

/** The key a name is compared by on a backend of this type. */
export const modelKey = (type: BackendType, name: string): string => (type === 'ollama' ? normaliseModelName(name) : name);

/** A configured model as a tags entry: only its name is known. */
function configuredEntry(name: string): OllamaTagModel {
  const details = { parent_model: '', format: '', family: '', families: null, parameter_size: '', quantization_level: '' };
  return { name, model: name, modified_at: '', size: 0, digest: '', details };
}

export function createMemberModels(options: MemberModelsOptions): MemberModels {
  let known: readonly OllamaTagModel[] | undefined;
  let keys = new Set<string>();
  let fetchedAt = -Infinity;
  let refreshing: Promise<readonly OllamaTagModel[]> | undefined;

  const adopt = (models: readonly OllamaTagModel[]): void => {
    known = models;
    keys = new Set();
    for (const model of models) {
      for (const field of [model.name, model.model]) if (typeof field === 'string') keys.add(modelKey(options.type, field));
    }
  };
  if (options.configured !== null) adopt(options.configured.map(configuredEntry));

  return {
    get known() {
      return known;
    },
    fresh: (now) => options.configured !== null || now - fetchedAt < options.ttlMs,
    has: (model) => (known === undefined ? undefined : keys.has(modelKey(options.type, model))),
    refresh() {
      if (options.configured !== null) return Promise.resolve(known ?? []);
      if (refreshing === undefined) {
        const startedAt = options.now();
        const asked = options.fetchTags().then((response) => {
          adopt(response.models ?? []);
          fetchedAt = startedAt;
          return known ?? [];
        });
        refreshing = asked;
        const settled = (): void => {
          refreshing = undefined;
        };
        asked.then(settled, settled);
      }
      return refreshing;
    },
  };
}
