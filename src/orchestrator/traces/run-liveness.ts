/**
 * Telling a run cut off by a crash from one still being written. A run ends with a `finish`
 * record; one without it is either in flight or was interrupted (the process died: a crash, a
 * SIGKILL, a power cut) and will never get one. The header names the process that writes the run
 * (`pid`), so any reader, the server or `rlm runs` in another terminal, can tell:
 *
 * - a run this process is writing is running;
 * - otherwise it was interrupted if its header names no process (traces from before `pid` was
 *   recorded), names this process (so an earlier one that had the same id: this process writes
 *   only the runs it started), started before the machine booted, or names a process that is gone;
 * - otherwise another live process (a server) is writing it: running.
 *
 * A run the ledger records as finished is never running, whatever its pid says (the store checks
 * that first). The one case this misses, an unfinished run whose dead server's id was reused by an
 * unrelated process since, keeps such a run "running" until that process exits; a ledger of server
 * lifetimes would close it.
 */
import { uptime } from 'node:os';
import type { RunHeader } from '../../types/attempt.js';
import { errorCode } from '../../utils/durable-file.js';

export interface Liveness {
  /** This process's id, written into the header of every run it starts. */
  pid: number;
  /** When the machine booted, ms since the epoch: no process from before then is still writing. */
  bootTime: number;
  /** Whether a process with this id exists now. */
  isAlive(pid: number): boolean;
}

export function processLiveness(): Liveness {
  return { pid: process.pid, bootTime: Date.now() - uptime() * 1000, isAlive: processExists };
}

/** Signal 0 checks for the process without touching it; EPERM means it exists under another user. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/** Trace files this process has open for writing. Process-wide: several stores may share one data directory. */
const writing = new Set<string>();

export function beginWriting(path: string): void {
  writing.add(path);
}

export function endWriting(path: string): void {
  writing.delete(path);
}

/** For a run with no finish record, stored at `path`: whether it was interrupted (see above). */
export function isInterrupted(header: RunHeader, path: string, liveness: Liveness): boolean {
  if (writing.has(path)) return false;
  const { pid } = header;
  // Not a process id at all (a damaged header; kill(0) would ask about our own process group).
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || pid === liveness.pid) return true;
  const started = Date.parse(header.startedAt);
  if (Number.isFinite(started) && started < liveness.bootTime) return true;
  return !liveness.isAlive(pid);
}
