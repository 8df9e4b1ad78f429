/**
 * What /health says about Ollama: one probe (`/api/version` and `/api/tags`) shared by every
 * caller, so that a monitor polling /health under load neither multiplies requests to a busy
 * backend nor waits on it each time.
 *
 * - A status younger than `freshMs` is answered as it is.
 * - A reachable status younger than `staleMs` is answered at once while a new probe starts in the
 *   background (stale-while-revalidate); the answer says how old it is (`checkedAt`).
 * - Anything older, and an unreachable status past `freshMs`, waits for a probe, so a backend that
 *   has just come up is seen as up within `freshMs`, and an outage is never hidden for longer than
 *   `staleMs`.
 *
 * One probe runs at a time; its deadline is its own (`timeoutMs`), not a caller's, since its answer
 * is shared.
 */
import type { OllamaClient } from './ollama-client.js';
import { toRlmError } from '../utils/errors.js';

export type BackendStatus =
  | { reachable: true; version: string; models: string[]; latencyMs: number; checkedAt: number }
  | { reachable: false; message: string; code: string | null; checkedAt: number };

export interface BackendStatusOptions {
  freshMs: number;
  staleMs: number;
  timeoutMs: number;
  now: () => number;
}

export interface BackendStatusProbe {
  /** The latest status by the rules above. Never rejects: an unreachable backend is a status. */
  current(): Promise<BackendStatus>;
}

export function createBackendStatus(ollama: Pick<OllamaClient, 'version' | 'tags' | 'baseUrl'>, options: BackendStatusOptions): BackendStatusProbe {
  let last: BackendStatus | undefined;
  let inFlight: Promise<BackendStatus> | undefined;

  const probe = (): Promise<BackendStatus> => {
    if (inFlight !== undefined) return inFlight;
    const started = performance.now();
    const signal = AbortSignal.timeout(options.timeoutMs);
    inFlight = Promise.all([ollama.version(signal), ollama.tags(signal)])
      .then(
        ([version, tags]): BackendStatus => ({
          reachable: true,
          version: version.version,
          models: (tags.models ?? []).map((model) => model.name),
          latencyMs: Math.round((performance.now() - started) * 10) / 10,
          checkedAt: options.now(),
        }),
        (thrown: unknown): BackendStatus => {
          // A probe cut by its own deadline looks like a cancel to the adapter; say what really happened.
          if (signal.aborted) {
            return {
              reachable: false,
              message: `Ollama at ${ollama.baseUrl} did not answer within ${options.timeoutMs} ms.`,
              code: 'upstream_timeout',
              checkedAt: options.now(),
            };
          }
          const error = toRlmError(thrown);
          return { reachable: false, message: error.message, code: error.code, checkedAt: options.now() };
        },
      )
      .then((status) => {
        last = status;
        inFlight = undefined;
        return status;
      });
    return inFlight;
  };

  return {
    current() {
      if (last !== undefined) {
        const age = options.now() - last.checkedAt;
        if (age < options.freshMs) return Promise.resolve(last);
        if (last.reachable && age < options.staleMs) {
          void probe();
          return Promise.resolve(last);
        }
      }
      return probe();
    },
  };
}
