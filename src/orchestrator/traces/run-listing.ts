/**
 * Listing runs newest first, a page at a time (run-order.ts says what "newest" means). Days and
 * whole seconds are ordered by name, so a page reads only the files it shows, plus the headers of
 * the runs that share a second with them. The cursor is a run id: the runs listed after it are
 * those that started before it.
 */
import { runIdDate } from '../service/run-id.js';
import type { RunTrace } from '../../types/attempt.js';
import { compareStart, runIdSecond, startKeyOf, type StartKey } from './run-order.js';
import { dayDirectories, readRunHeader, runFilePath, runIdsOfDay } from './trace-directory.js';

export interface ListOptions {
  limit: number;
  before?: string;
}

export async function listRuns<Trace extends RunTrace>(
  runsDir: string,
  options: ListOptions,
  readRun: (runId: string) => Promise<Trace | undefined>,
): Promise<{ runs: Trace[]; next: string | null }> {
  const { limit, before } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`list: limit must be a positive integer, got ${limit}.`);
  const isBefore = before === undefined ? () => true : await startedBefore(runsDir, before);
  // A run id cursor also lets whole newer days and seconds be skipped unread.
  const beforeDay = before === undefined ? undefined : runIdDate(before);
  const beforeSecond = beforeDay === undefined || before === undefined ? undefined : runIdSecond(before);
  const runs: Trace[] = [];
  let lastRunId: string | null = null;
  for (const day of (await dayDirectories(runsDir)).reverse()) {
    if (beforeDay !== undefined && day > beforeDay) continue;
    const seconds = groupBySecond(await runIdsOfDay(runsDir, day));
    for (const [second, runIds] of seconds) {
      if (beforeSecond !== undefined && second > beforeSecond) continue;
      for (const key of await newestFirst(runsDir, runIds, second === beforeSecond)) {
        if (!isBefore(key)) continue;
        // A full page with more candidates behind it: the cursor is the file name, never file content.
        if (runs.length === limit) return { runs, next: lastRunId };
        const trace = await readRun(key.runId);
        if (trace === undefined) continue; // deleted meanwhile, or a crash before the header was whole
        runs.push(trace);
        lastRunId = key.runId;
      }
    }
  }
  return { runs, next: null };
}

/** Run ids (sorted) grouped by their second, newest second first. */
function groupBySecond(runIds: readonly string[]): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const runId of runIds) {
    const second = runIdSecond(runId);
    const group = groups.get(second);
    if (group === undefined) groups.set(second, [runId]);
    else group.push(runId);
  }
  return [...groups].reverse();
}

/** One second's runs, newest first: a run alone in its second needs no header read, unless it is compared with the cursor. */
async function newestFirst(runsDir: string, runIds: readonly string[], withCursor: boolean): Promise<StartKey[]> {
  if (runIds.length === 1 && !withCursor) return [startKeyOf(runIds[0] as string, undefined)];
  const keys = await Promise.all(runIds.map(async (runId) => startKeyOf(runId, await headerOf(runsDir, runId))));
  return keys.sort((a, b) => compareStart(b, a));
}

/**
 * Whether a run started before the cursor run. When the cursor's header cannot be read (it was
 * deleted, or the cursor is not a run id) ids compare as strings, which orders whole seconds right.
 */
async function startedBefore(runsDir: string, before: string): Promise<(key: StartKey) => boolean> {
  const header = runIdDate(before) === undefined ? undefined : await headerOf(runsDir, before);
  if (header === undefined) return (key) => key.runId < before;
  const cursor = startKeyOf(before, header);
  return (key) => compareStart(key, cursor) < 0;
}

async function headerOf(runsDir: string, runId: string): ReturnType<typeof readRunHeader> {
  const path = runFilePath(runsDir, runId);
  return path === undefined ? undefined : readRunHeader(path);
}
