/**
 * Which backend takes a request, among a route's candidates: the one with the fewest requests in
 * flight among those up and with a free slot, ties taken in turn (round-robin), so equal backends
 * share evenly and a slow one gets fewer. A session's backend for the model comes first while it
 * is up and has room. When every candidate is cooling off, the request goes to the one whose
 * cooldown ends first rather than failing untried. Choosing and taking the slot are one step.
 */
import type { HealthTicket } from './member-health.js';
import { hasSlot, type PoolBackend } from './pool-backend.js';

/** A request's hold on a backend: its slot (when `slotted`) and its health ticket. */
export interface Lease {
  readonly backend: PoolBackend;
  readonly ticket: HealthTicket;
  readonly slotted: boolean;
}

export interface ChoiceRequest {
  candidates: readonly PoolBackend[];
  /** The backend that just failed this request: never chosen again for it. */
  excluded: PoolBackend | undefined;
  /** The session's backend for this model. */
  preferred: PoolBackend | undefined;
  /** Model calls take a slot and may be the probe; metadata calls (show) take neither. */
  slotted: boolean;
}

export type Chooser = (request: ChoiceRequest) => Lease | undefined;

export function createChooser(now: () => number): Chooser {
  let turn = 0;
  return ({ candidates, excluded, preferred, slotted }) => {
    const at = now();
    const roomy = (backend: PoolBackend): boolean => !slotted || hasSlot(backend);
    let chosen: PoolBackend | undefined;
    if (preferred !== undefined && preferred !== excluded && preferred.health.state(at) === 'up' && roomy(preferred) && candidates.includes(preferred)) chosen = preferred;
    let anyHealthy = false;
    if (chosen === undefined) {
      const count = candidates.length;
      const start = count > 1 ? turn++ % count : 0;
      for (let step = 0; step < count; step++) {
        const backend = candidates[(start + step) % count] as PoolBackend;
        if (backend === excluded || !backend.health.available(at)) continue;
        anyHealthy = true;
        if (roomy(backend) && (chosen === undefined || backend.inFlight < chosen.inFlight)) chosen = backend;
      }
    }
    if (chosen === undefined && !anyHealthy) {
      let soonest: PoolBackend | undefined;
      for (const backend of candidates) {
        if (backend === excluded) continue;
        if (soonest === undefined || (backend.health.cooldownUntil ?? 0) < (soonest.health.cooldownUntil ?? 0)) soonest = backend;
      }
      if (soonest !== undefined && roomy(soonest)) chosen = soonest;
    }
    if (chosen === undefined) return undefined;
    if (slotted) chosen.inFlight += 1;
    return { backend: chosen, ticket: chosen.health.begin(slotted), slotted };
  };
}
