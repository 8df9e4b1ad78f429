/**
 * One backend as the pool runs it: the configured member, its health, its model list, and its
 * requests in flight. Metadata calls (tags, version, show) go through `metadata`, which counts a
 * backend failure against it but never lets a success end a cooldown: a server that lists its
 * models while answering 503 to every chat is still not taking work.
 */
import type { BackendType } from '../../types/backend.js';
import type { RlmError } from '../../utils/errors.js';
import type { OllamaClient } from '../ollama-client.js';
import { isBackendFailure } from './backend-failure.js';
import { createMemberHealth, type HealthOptions, type MemberHealth } from './member-health.js';
import { createMemberModels, type MemberModels } from './member-models.js';

export interface PoolMember {
  name: string;
  type: BackendType;
  client: OllamaClient;
  /** Requests in flight at once; null: unbounded. */
  maxConcurrent: number | null;
  /** The models it serves, when its own list is not to be trusted; null: its `tags()`. */
  models: string[] | null;
}

export interface PoolBackend {
  readonly member: PoolMember;
  /** Its place in the configuration (the order `tags()` merges in and `version()` asks in). */
  readonly index: number;
  readonly health: MemberHealth;
  readonly models: MemberModels;
  /** Model calls (chat, generate, embed) running on it now. */
  inFlight: number;
  /** Runs a metadata call with the health accounting described above. */
  metadata<T>(call: () => Promise<T>): Promise<T>;
}

export function createPoolBackend(member: PoolMember, index: number, options: HealthOptions & { modelListTtlMs: number }): PoolBackend {
  const health = createMemberHealth(options);
  const metadata = async <T>(call: () => Promise<T>): Promise<T> => {
    const ticket = health.begin(false);
    try {
      const value = await call();
      health.settle(ticket);
      return value;
    } catch (error) {
      if (isBackendFailure(error, false)) health.fail(ticket, error as RlmError);
      else health.settle(ticket);
      throw error;
    }
  };
  const models = createMemberModels({
    type: member.type,
    configured: member.models,
    // Shared by every caller waiting for the list, so no one caller's signal may cut it; the
    // adapter's own idle deadline bounds it.
    fetchTags: () => metadata(() => member.client.tags()),
    ttlMs: options.modelListTtlMs,
    now: options.now,
  });
  return { member, index, health, models, inFlight: 0, metadata };
}

/** Whether one more model call may start on it now. */
export const hasSlot = (backend: PoolBackend): boolean => backend.member.maxConcurrent === null || backend.inFlight < backend.member.maxConcurrent;
