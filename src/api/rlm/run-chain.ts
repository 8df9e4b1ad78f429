/**
 * One run's hash-chain status, by the same checks `rlm verify-traces` makes of each file: the chain
 * of hashes over its records (trace-chain.ts) and their seals under the trace key (trace-seal.ts).
 * The ledger's cross-checks span every run, so they stay with `rlm verify-traces`.
 */
import { verifyChain } from '../../orchestrator/traces/trace-chain.js';
import { readTraceKey } from '../../orchestrator/traces/trace-key.js';
import { checkSeals } from '../../orchestrator/traces/trace-seal.js';
import type { RunTrace, TraceRecord } from '../../types/attempt.js';

export interface RunChainStatus {
  /** `intact`: every hash and seal checks; `broken`: a problem below; `unsealed`: chained, written without a key. */
  state: 'intact' | 'broken' | 'unsealed';
  records: number;
  problems: { index: number; problem: string }[];
}

export async function runChainStatus(dataDir: string, trace: RunTrace): Promise<RunChainStatus> {
  const records: TraceRecord[] = [trace.header, ...trace.attempts];
  let key: Buffer | undefined;
  const problems: RunChainStatus['problems'] = [];
  try {
    key = await readTraceKey(dataDir);
  } catch (error) {
    problems.push({ index: 0, problem: `the trace key cannot be read: ${(error as Error).message}` });
  }
  for (const found of verifyChain(records)) problems.push({ index: found.index, problem: found.problem });
  const seals = checkSeals(records, key);
  problems.push(...seals.problems);
  const state = problems.length > 0 ? 'broken' : seals.state === 'sealed' ? 'intact' : 'unsealed';
  return { state, records: records.length, problems };
}
