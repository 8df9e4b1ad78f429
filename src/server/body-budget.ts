/**
 * The bytes of request bodies the server holds at once, across every request: beside the per-body
 * limit (413), which alone let 32 bodies of 30 MB each be held together. A request's share grows as
 * its body arrives (all of a declared Content-Length at once, before any of it is read) and is
 * returned whole when its answer is complete, since the parsed body lives as long as its handler.
 * Past the budget a request gets 503 with Retry-After: the bytes come back as others finish.
 */
import { RlmError } from '../utils/errors.js';

/** Bodies come back within a request's time; a second is the shortest honest wait. */
const RETRY_AFTER_SECONDS = 1;

export class BodyBudgetExceededError extends RlmError {
  constructor(budgetBytes: number, heldBytes: number, wantedBytes: number) {
    super(
      `The server is busy reading other requests: ${heldBytes} bytes of request bodies are held and ${wantedBytes} more ` +
        `would pass the ${budgetBytes}-byte budget for all of them together. Retry in about ${RETRY_AFTER_SECONDS} s, ` +
        'or raise RLM_MAX_BODY_TOTAL_BYTES.',
      {
        status: 503,
        type: 'server_error',
        code: 'body_budget_exceeded',
        retryable: true,
        // No `connection: close`: closing while the client still sends makes it see EPIPE, not this
        // answer. Node reads the rest of the body and drops it, holding none of it, and the
        // connection then carries the retry.
        headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      },
    );
  }
}

/** One request's share of the budget. */
export interface BodyLease {
  /** Adds `bytes` to this share; throws BodyBudgetExceededError, holding nothing more, if the budget would be passed. */
  reserve(bytes: number): void;
  /** Returns the whole share; later calls, and reservations after it, do nothing. */
  release(): void;
}

export interface BodyBudget {
  readonly budgetBytes: number;
  /** Bytes held now by all requests together. */
  heldBytes(): number;
  lease(): BodyLease;
}

export function createBodyBudget(budgetBytes: number): BodyBudget {
  let held = 0;
  return {
    budgetBytes,
    heldBytes: () => held,
    lease: () => {
      let mine = 0;
      let released = false;
      return {
        reserve(bytes) {
          // Released means the request is over: its read is about to fail, and must not hold bytes.
          if (released) return;
          if (held + bytes > budgetBytes) throw new BodyBudgetExceededError(budgetBytes, held, bytes);
          held += bytes;
          mine += bytes;
        },
        release() {
          if (released) return;
          released = true;
          held -= mine;
          mine = 0;
        },
      };
    },
  };
}
