/**
 * `rlm verify-traces`: re-reads every trace file and the ledger, and re-checks each hash chain and
 * seal, and the ledger against the files, so a changed, dropped, reordered, forged, cut-off or
 * deleted run is found. Exit status:
 *
 * - 0: nothing wrong (torn last lines, runs written before sealing, runs in flight and runs removed
 *   by retention are only counted);
 * - 1: tampering or damage (any problem, whatever else was found);
 * - 3: no problem, but incomplete runs: runs that never finished and no process is writing, or
 *   finished runs missing from the ledger. Both are what a crash leaves.
 */
import { relative } from 'node:path';
import type { VerifyProblem } from '../orchestrator/traces/trace-store.js';
import type { CliIo } from './io.js';
import { openApp } from './open-app.js';

export const VERIFY_EXIT = { clean: 0, problems: 1, incomplete: 3 } as const;

export async function verifyTracesCommand(flags: Map<string, string>, io: CliIo): Promise<number> {
  const app = await openApp(flags, io);
  const report = await app.pipeline.traces.verifyAll();
  const incomplete = report.incomplete ?? [];
  const exitCode = report.problems.length > 0 ? VERIFY_EXIT.problems : incomplete.length > 0 ? VERIFY_EXIT.incomplete : VERIFY_EXIT.clean;
  if (flags.has('--json')) {
    const full = { dataDir: app.config.dataDir, ...report, incomplete, unsealed: report.unsealed ?? 0, inFlight: report.inFlight ?? 0, pruned: report.pruned ?? 0 };
    io.stdout(`${JSON.stringify(full, null, 2)}\n`);
    return exitCode;
  }
  const count = (value: number, word: string): string => `${value} ${word}${value === 1 ? '' : 's'}`;
  const lines = [
    `checked ${count(report.files, 'trace file')} in ${app.config.dataDir}: ${count(report.runs, 'run')}, ${count(report.records, 'record')}, ` +
      `${count(report.tornLines, 'torn last line')} skipped`,
  ];
  const notes = [
    report.unsealed === undefined ? '' : `${count(report.unsealed, 'run')} unsealed (written before sealing)`,
    report.inFlight === undefined ? '' : `${count(report.inFlight, 'run')} still being written`,
    report.pruned === undefined ? '' : `${count(report.pruned, 'finished run')} removed by retention`,
  ].filter((note) => note !== '');
  if (notes.length > 0) lines.push(`notes: ${notes.join(', ')}`);
  const where = (problem: VerifyProblem): string => {
    // Line 0 means the file as a whole; a problem with the key or the ledger as a whole names no run.
    const file = `${relative(app.config.dataDir, problem.file)}${problem.line > 0 ? `:${problem.line}` : ''}`;
    return problem.runId === '' ? file : `${file}  ${problem.runId}`;
  };
  for (const problem of [...report.problems, ...incomplete]) lines.push(`${where(problem)}  ${problem.problem}`);
  const incompleteText = count(incomplete.length, 'incomplete run');
  if (exitCode === VERIFY_EXIT.problems) {
    lines.push(`${count(report.problems.length, 'problem')} found${incomplete.length > 0 ? `, and ${incompleteText}` : ''}`);
  } else if (exitCode === VERIFY_EXIT.incomplete) {
    lines.push(`no problems found, but ${incompleteText} (what a crash leaves; the records there are intact)`);
  } else {
    lines.push('no problems found');
  }
  io.stdout(`${lines.join('\n')}\n`);
  return exitCode;
}
