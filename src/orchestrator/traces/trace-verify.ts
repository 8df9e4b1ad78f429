/**
 * Checking everything recorded (`rlm verify-traces`): each run file's hash chain and seals, the
 * ledger's own chain and seals, and the two against each other. Findings come in three kinds:
 *
 * - problems: tampering or damage no crash explains (a changed, removed or reordered record, a
 *   seal that does not match, a run the ledger recorded whose file is missing or cut short, a
 *   ledger cut below what a run header saw);
 * - incomplete runs: what a crash leaves and nothing else does, every record intact: a run with no
 *   finish record that no process is writing (interrupted, or its last records cut off before
 *   the ledger knew of it), and a finished run missing from the ledger (a crash between the finish
 *   and its ledger line, or that line removed). A finished run is never repaired into the ledger
 *   later: the evidence stays as the crash left it, and the finding explains itself;
 * - notes: torn last lines, runs written before sealing, runs still being written, runs removed
 *   by retention.
 */
import { join } from 'node:path';
import { runIdDate } from '../service/run-id.js';
import type { TraceRecord } from '../../types/attempt.js';
import { isInterrupted, type Liveness } from './run-liveness.js';
import { ledgerPath, readLedger, type LedgerReading, type LedgerRunLine } from './run-ledger.js';
import type { StoredHeader } from './stored-header.js';
import { describe, verifyChain } from './trace-chain.js';
import { dayDirectories, directoryNames, readTextIfExists, runFilePath, TRACE_SUFFIX } from './trace-directory.js';
import { parseTraceLines } from './trace-file.js';
import { readTraceKey, traceKeyPath } from './trace-key.js';
import { checkSeals } from './trace-seal.js';

export interface VerifyProblem {
  file: string;
  /** 1-based line in the file; 0 when the problem concerns the file as a whole. */
  line: number;
  /** The run concerned; '' for a problem with the key or the ledger as a whole. */
  runId: string;
  problem: string;
}

export interface IncompleteRun extends VerifyProblem {
  /** `interrupted`: no finish record and no process writing it; `unrecorded`: finished, but not in the ledger. */
  kind: 'interrupted' | 'unrecorded';
}

/** The optional counts are present only when not zero, the lists only when not empty. */
export interface VerifyReport {
  files: number;
  runs: number;
  records: number;
  tornLines: number;
  problems: VerifyProblem[];
  incomplete?: IncompleteRun[];
  /** Run files with no seal at all, written before sealing began. */
  unsealed?: number;
  /** Runs still being written by a live process. */
  inFlight?: number;
  /** Finished runs the ledger records, whose day directory retention removed. */
  pruned?: number;
}

export interface VerifyContext {
  dataDir: string;
  runsDir: string;
  liveness: Liveness;
}

interface LedgerView {
  reading: LedgerReading;
  runs: Map<string, { line: LedgerRunLine; lineNumber: number }>;
  /** Per day, the position of the last prune line that removed it. */
  prunedDays: Map<string, number>;
  hashes: Map<number, string>;
}

export async function verifyTraces(context: VerifyContext): Promise<VerifyReport> {
  const { dataDir, runsDir, liveness } = context;
  const report: VerifyReport = { files: 0, runs: 0, records: 0, tornLines: 0, problems: [] };
  const incomplete: IncompleteRun[] = [];
  const counts = { unsealed: 0, inFlight: 0, pruned: 0 };
  const problem = (file: string, line: number, runId: string, text: string): void => {
    report.problems.push({ file, line, runId, problem: text });
  };

  const keyFile = traceKeyPath(dataDir);
  let key: Buffer | undefined;
  let keyDamaged = false;
  try {
    key = await readTraceKey(dataDir);
  } catch (error) {
    keyDamaged = true;
    problem(keyFile, 0, '', (error as Error).message);
  }
  const ledgerFile = ledgerPath(dataDir);
  const ledger = await readLedgerView(ledgerFile, key, problem);
  report.tornLines += ledger.reading.tornLines;
  const sealingSince = ledger.reading.lines[0]?.line.at;
  let anySealed = ledger.reading.sealed;
  const seen = new Set<string>();

  for (const day of await dayDirectories(runsDir)) {
    const names = (await directoryNames(join(runsDir, day), 'files')).filter((name) => name.endsWith(TRACE_SUFFIX)).sort();
    for (const name of names) {
      const fileRunId = name.slice(0, -TRACE_SUFFIX.length);
      const file = join(runsDir, day, name);
      const text = await readTextIfExists(file);
      if (text === undefined) continue; // pruned while we walked
      report.files++;
      const { entries, torn, badLines } = parseTraceLines(text);
      if (torn) report.tornLines++;
      report.records += entries.length;
      for (const line of badLines) problem(file, line, fileRunId, `line ${line} is not a trace record (unreadable, and not the last line)`);
      const records = entries.map((entry) => entry.record);
      const lineOf = (index: number): number => entries[index]?.line ?? 0;
      // Empty, or only a torn header: the process died before the run's first line was whole.
      const first = records[0];
      if (first === undefined) continue;
      report.runs++;
      const runId = first.runId;
      if (runId !== fileRunId || runIdDate(fileRunId) !== day) problem(file, 0, runId, `the file ${day}/${fileRunId}${TRACE_SUFFIX} holds run ${runId} (renamed or moved)`);
      for (const found of verifyChain(records)) problem(file, lineOf(found.index), found.runId, found.problem);

      const header = first.type === 'run' ? (first as StoredHeader) : undefined;
      const claim = ledger.runs.get(runId);
      if (claim !== undefined) seen.add(runId);
      const seals = checkSeals(records, key);
      for (const found of seals.problems) {
        problem(file, lineOf(found.index), runId, `record ${found.index} (${describe(records[found.index] as TraceRecord)}): ${found.problem}`);
      }
      if (seals.state === 'sealed') {
        anySealed = true;
        checkLedgerHead(header, ledger, (text) => problem(file, lineOf(0), runId, text));
      } else if (claim !== undefined) {
        problem(file, 0, runId, `the ledger records this run (ledger line ${claim.lineNumber}), but its records carry no seal (stripped, or the file replaced)`);
      } else if (sealingSince !== undefined && header !== undefined && header.startedAt > sealingSince) {
        problem(file, 0, runId, `no record is sealed, yet the run started after sealing began (${sealingSince}): written without the trace key`);
      } else {
        counts.unsealed++;
      }

      const finished = records.some((record) => record.type === 'attempt' && record.stage === 'finish');
      const last = records.at(-1) as TraceRecord;
      const writing = header !== undefined && !isInterrupted(header, file, liveness);
      if (claim !== undefined) {
        const { records: claimed, lastHash } = claim.line;
        if (records.length < claimed) {
          problem(file, 0, runId, `the ledger records ${claimed} records when the run finished (ledger line ${claim.lineNumber}); the file holds ${records.length}: its last records were cut off`);
        } else if (records.length !== claimed || last.hash !== lastHash) {
          problem(file, 0, runId, `the ledger records ${claimed} records ending in ${lastHash.slice(0, 12)}… (ledger line ${claim.lineNumber}); the file holds ${records.length} ending in ${String(last.hash).slice(0, 12)}…: changed or added to after it finished`);
        }
      } else if (writing) {
        counts.inFlight++; // a finished run's ledger line comes when its writer closes it
      } else if (!finished) {
        incomplete.push({ file, line: 0, runId, kind: 'interrupted', problem: 'incomplete: no finish record, and no process is writing it (interrupted by a crash or a kill, or its last records cut off)' });
      } else if (seals.state === 'sealed') {
        incomplete.push({ file, line: 0, runId, kind: 'unrecorded', problem: 'finished, but not in the ledger (a crash between its finish and its ledger line, or the line removed)' });
      }
    }
  }

  await checkMissingRuns(context, ledger, seen, key, counts, problem);
  if (key === undefined && !keyDamaged && anySealed) {
    problem(keyFile, 0, '', `records are sealed, but the trace key ${keyFile} is missing, so no seal can be checked (restore it from a backup)`);
  }
  if (incomplete.length > 0) report.incomplete = incomplete;
  if (counts.unsealed > 0) report.unsealed = counts.unsealed;
  if (counts.inFlight > 0) report.inFlight = counts.inFlight;
  if (counts.pruned > 0) report.pruned = counts.pruned;
  return report;
}

/** A sealed header saw the ledger up to its `ledgerHead`: the ledger must still hold that line, unchanged. */
function checkLedgerHead(header: StoredHeader | undefined, ledger: LedgerView, report: (text: string) => void): void {
  const head = header?.ledgerHead;
  if (head === undefined || head === null || typeof head !== 'object') return;
  const hash = ledger.hashes.get(head.n);
  if (hash === undefined) {
    report(`the run started when the ledger had ${head.n + 1} entries; it now has ${ledger.hashes.size}: the ledger was cut short or replaced`);
  } else if (hash !== head.hash) {
    report(`the ledger's entry ${head.n} is not the one this run saw when it started: the ledger was rewritten`);
  }
}

/**
 * Runs the ledger records that have no file, and were not removed by retention. Retention may be
 * removing a day while this walks (every command prunes as it starts): the ledger is read again for
 * prune lines written meanwhile before a run is called missing.
 */
async function checkMissingRuns(
  context: VerifyContext,
  ledger: LedgerView,
  seen: ReadonlySet<string>,
  key: Buffer | undefined,
  counts: { pruned: number },
  problem: (file: string, line: number, runId: string, text: string) => void,
): Promise<void> {
  const unseen = [...ledger.runs.values()].filter(({ line }) => !seen.has(line.runId));
  const missing = unseen.filter(({ line }) => !isPruned(ledger, line));
  counts.pruned += unseen.length - missing.length;
  if (missing.length === 0) return;
  const fresh = await readLedgerView(ledgerPath(context.dataDir), key, () => undefined);
  for (const { line, lineNumber } of missing) {
    const file = runFilePath(context.runsDir, line.runId) ?? join(context.runsDir, `${line.runId}${TRACE_SUFFIX}`);
    if (isPruned(fresh, line) || (await readTextIfExists(file)) !== undefined) {
      counts.pruned++;
      continue;
    }
    problem(file, 0, line.runId, `the ledger records this run as finished with ${line.records} records (ledger line ${lineNumber}), but its file is missing (deleted)`);
  }
}

function isPruned(ledger: LedgerView, line: LedgerRunLine): boolean {
  const day = runIdDate(line.runId);
  const prunedAt = day === undefined ? undefined : ledger.prunedDays.get(day);
  return prunedAt !== undefined && prunedAt > line.n;
}

async function readLedgerView(
  file: string,
  key: Buffer | undefined,
  problem: (file: string, line: number, runId: string, text: string) => void,
): Promise<LedgerView> {
  const text = (await readTextIfExists(file)) ?? '';
  const reading = readLedger(text, key);
  const view: LedgerView = { reading, runs: new Map(), prunedDays: new Map(), hashes: new Map() };
  const runIdAt = new Map<number, string>();
  for (const { line, lineNumber } of reading.lines) {
    view.hashes.set(line.n, line.hash);
    if (line.type === 'prune') {
      view.prunedDays.set(line.day, Math.max(line.n, view.prunedDays.get(line.day) ?? -1));
      continue;
    }
    runIdAt.set(lineNumber, line.runId);
    const earlier = view.runs.get(line.runId);
    if (earlier !== undefined) problem(file, lineNumber, line.runId, `ledger line ${lineNumber}: records run ${line.runId} again (first on line ${earlier.lineNumber})`);
    else view.runs.set(line.runId, { line, lineNumber });
  }
  for (const found of reading.problems) problem(file, found.lineNumber, runIdAt.get(found.lineNumber) ?? '', found.problem);
  return view;
}
