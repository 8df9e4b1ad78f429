/**
 * What the trace store itself writes into a run header, besides what the pipeline gives it (and
 * besides `pid`, in RunHeader). All optional: headers written before them lack them.
 */
import type { RunHeader } from '../../types/attempt.js';
import type { LedgerHead } from './run-ledger.js';
import type { SealField } from './trace-seal.js';

export interface StoreHeaderFields {
  /** This process's count of runs started, for the order of runs started in one millisecond (run-order.ts). */
  startSeq?: number;
  /**
   * The ledger's last line when the run started (null: the ledger was empty). The header is
   * sealed, so a ledger later cut short or rewritten below this line no longer agrees with it.
   */
  ledgerHead?: LedgerHead | null;
}

export type StoredHeader = RunHeader & StoreHeaderFields & SealField;
