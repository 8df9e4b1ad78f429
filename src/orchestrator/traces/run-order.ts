/**
 * The order runs are listed in: by start time. A run id begins with its start second, so whole
 * seconds are ordered by file name alone and a page reads only the files it shows. Within one second
 * the random tail of the id says nothing, so runs are ordered by the header's `startedAt`, then by
 * its `startSeq`: a number this process gives each run it starts, counting up, so runs started in
 * the same millisecond keep the order they were created in. The run id comes last, which makes the
 * order total (runs of two processes in one millisecond, or old headers without `startSeq`).
 */

let nextSeq = 0;

/** The next number in this process's count of runs started (process-wide: stores may share a data directory). */
export function nextStartSeq(): number {
  return nextSeq++;
}

/** "run-20261124T013342Z": the part of a run id that names its start second. */
export function runIdSecond(runId: string): string {
  return runId.slice(0, 'run-YYYYMMDDTHHMMSSZ'.length);
}

export interface StartKey {
  second: string;
  startedAt: number;
  startSeq: number;
  runId: string;
}

/** The key of a run from its id and, when it could be read, its header. */
export function startKeyOf(runId: string, header: { startedAt?: unknown; startSeq?: unknown } | undefined): StartKey {
  const startedAt = typeof header?.startedAt === 'string' ? Date.parse(header.startedAt) : Number.NaN;
  const startSeq = header?.startSeq;
  return {
    second: runIdSecond(runId),
    startedAt: Number.isFinite(startedAt) ? startedAt : Number.NEGATIVE_INFINITY,
    startSeq: typeof startSeq === 'number' && Number.isInteger(startSeq) ? startSeq : -1,
    runId,
  };
}

/** Negative when `a` started before `b`. */
export function compareStart(a: StartKey, b: StartKey): number {
  if (a.second !== b.second) return a.second < b.second ? -1 : 1;
  if (a.startedAt !== b.startedAt) return a.startedAt < b.startedAt ? -1 : 1;
  if (a.startSeq !== b.startSeq) return a.startSeq - b.startSeq;
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}
