/**
 * `rlm verify-traces`: re-reads every trace file and re-checks each hash chain, so a changed,
 * dropped or reordered record is found. A torn last line (a crash mid-write) is expected damage
 * and only counted; everything else is a problem, and any problem makes the exit status 1.
 */
import { relative } from 'node:path';
import type { CliIo } from './io.js';
import { openApp } from './open-app.js';

export async function verifyTracesCommand(flags: Map<string, string>, io: CliIo): Promise<number> {
  const app = await openApp(flags, io);
  const report = await app.pipeline.traces.verifyAll();
  const exitCode = report.problems.length === 0 ? 0 : 1;
  if (flags.has('--json')) {
    io.stdout(`${JSON.stringify({ dataDir: app.config.dataDir, ...report }, null, 2)}\n`);
    return exitCode;
  }
  const count = (value: number, word: string): string => `${value} ${word}${value === 1 ? '' : 's'}`;
  const lines = [
    `checked ${count(report.files, 'trace file')} in ${app.config.dataDir}: ${count(report.runs, 'run')}, ${count(report.records, 'record')}, ` +
      `${count(report.tornLines, 'torn last line')} skipped`,
  ];
  for (const problem of report.problems) {
    // Line 0 means the file as a whole.
    const where = `${relative(app.config.dataDir, problem.file)}${problem.line > 0 ? `:${problem.line}` : ''}`;
    lines.push(`${where}  ${problem.runId}  ${problem.problem}`);
  }
  lines.push(exitCode === 0 ? 'no problems found' : `${count(report.problems.length, 'problem')} found`);
  io.stdout(`${lines.join('\n')}\n`);
  return exitCode;
}
