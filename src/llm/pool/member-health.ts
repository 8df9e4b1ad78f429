/**
 * One backend's health: up, cooling (out of rotation until `cooldownUntil`), or probing (the
 * cooldown is over and the next request to it is the probe: one at a time, and a success puts it
 * back in rotation). No timer and no background request: a backend nobody asks for stays
 * "probing" until someone does, which costs nothing and needs nothing stopped.
 *
 * The cooldown grows with the failures in a row, base * 2^(failures-1) capped at max, unless the
 * error carries Retry-After, which sets it instead. Failures are counted once per round: a request
 * sent before the backend was marked (its ticket's epoch is older) does not add to the count when
 * it fails too, so ten requests cut by one crash are one failure, not ten.
 */
import type { RlmError } from '../../utils/errors.js';
import { retryAfterMs } from './backend-failure.js';

export type HealthState = 'up' | 'cooling' | 'probing';

export interface HealthOptions {
  now: () => number;
  cooldownBaseMs: number;
  cooldownMaxMs: number;
}

/** What a request holds while it runs on the backend: the round it was sent in, and whether it is the probe. */
export interface HealthTicket {
  readonly epoch: number;
  readonly probe: boolean;
  readonly startedAt: number;
  /** Whether the probe it may hold was already given back (each ticket ends it once). */
  ended: boolean;
}

export interface MemberHealth {
  state(now: number): HealthState;
  /** Whether a new request may go to it as to a healthy backend: up, or past its cooldown with no probe out. */
  available(now: number): boolean;
  readonly failures: number;
  readonly cooldownUntil: number | null;
  readonly lastError: string | null;
  /** EWMA of the time to the first chunk (streams) or to the whole answer (other model calls). */
  readonly latencyMs: number | null;
  /**
   * A request is being sent to it now. A model call past the cooldown becomes the probe
   * (`claimProbe`); a metadata call (tags, version, show) never does.
   */
  begin(claimProbe: boolean): HealthTicket;
  /** It answered (a stream's first chunk, or a whole answer); `timed` adds its latency to the average. */
  succeed(ticket: HealthTicket, timed: boolean): void;
  /** It failed in a way that is its own (backend-failure.ts). */
  fail(ticket: HealthTicket, error: RlmError): void;
  /** The request ended without saying anything about the backend (a 4xx, a cancel). */
  settle(ticket: HealthTicket): void;
}

/** Weight of the newest sample in the latency average. */
const LATENCY_WEIGHT = 0.3;

export function createMemberHealth(options: HealthOptions): MemberHealth {
  let failures = 0;
  let cooldownUntil: number | null = null;
  let lastError: string | null = null;
  let latencyMs: number | null = null;
  let epoch = 0;
  let probeOut = false;

  const state = (now: number): HealthState => (cooldownUntil === null ? 'up' : now < cooldownUntil ? 'cooling' : 'probing');
  const endProbe = (ticket: HealthTicket): void => {
    if (ticket.probe && !ticket.ended) probeOut = false;
    ticket.ended = true;
  };

  return {
    state,
    available: (now) => cooldownUntil === null || (now >= cooldownUntil && !probeOut),
    get failures() {
      return failures;
    },
    get cooldownUntil() {
      return cooldownUntil;
    },
    get lastError() {
      return lastError;
    },
    get latencyMs() {
      return latencyMs;
    },
    begin(claimProbe) {
      const now = options.now();
      const probe = claimProbe && state(now) === 'probing' && !probeOut;
      if (probe) probeOut = true;
      return { epoch, probe, startedAt: now, ended: false };
    },
    succeed(ticket, timed) {
      endProbe(ticket);
      if (timed) {
        const sample = Math.max(0, options.now() - ticket.startedAt);
        latencyMs = Math.round((latencyMs === null ? sample : latencyMs + LATENCY_WEIGHT * (sample - latencyMs)) * 10) / 10;
      }
      if (ticket.epoch !== epoch) return; // sent before the last failure; it says nothing about now
      failures = 0;
      cooldownUntil = null;
    },
    fail(ticket, error) {
      endProbe(ticket);
      lastError = error.message;
      if (ticket.epoch !== epoch) return; // this round's failure is already counted
      failures += 1;
      epoch += 1;
      const now = options.now();
      const asked = retryAfterMs(error, now);
      const grown = Math.min(options.cooldownBaseMs * 2 ** (failures - 1), options.cooldownMaxMs);
      cooldownUntil = now + (asked ?? grown);
    },
    settle: endProbe,
  };
}
