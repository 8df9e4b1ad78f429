/**
 * One process at a time appends to the ledger: a server and `rlm ask` may share a data directory,
 * and each new line must chain to the line really last in the file. Within one process the ledger's
 * queue already serializes appends; between processes this lock does, as a lock file holding its
 * owner's pid. The file is made whole under a temporary name and linked into place, which fails
 * while another holds the lock, so the lock never exists without its pid. A lock left by a process
 * that died (a crash mid-append) is taken over. Known gap: two processes taking over the same dead
 * lock at the same instant can both proceed; that needs a crash first, inside the milliseconds of an
 * append, and then a fork in the ledger's chain shows it.
 *
 * The file operations are synchronous: each is a metadata call of microseconds, cheaper than a
 * round trip through libuv's thread pool. Only waiting for another process's lock is asynchronous.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, writeFileSync } from 'node:fs';
import { errorCode, unlinkQuietly } from '../../utils/durable-file.js';
import { PRIVATE_FILE_MODE } from '../../utils/private-files.js';
import type { Liveness } from './run-liveness.js';

const RETRY_MS = 2;
const WAIT_MS = 5_000;

export async function withLedgerLock<T>(lockPath: string, liveness: Liveness, work: () => Promise<T>): Promise<T> {
  await acquire(lockPath, liveness);
  try {
    return await work();
  } finally {
    unlinkQuietly(lockPath);
  }
}

async function acquire(lockPath: string, liveness: Liveness): Promise<void> {
  const temporary = `${lockPath}.${liveness.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(temporary, `${liveness.pid}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  const deadline = Date.now() + WAIT_MS;
  try {
    for (;;) {
      try {
        linkSync(temporary, lockPath);
        return;
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      }
      const holder = lockHolder(lockPath);
      if (holder === 'released') continue;
      // This process appends one line at a time, so a lock naming it was left by an earlier process with the same pid.
      if (holder === 'unreadable' || holder === liveness.pid || !liveness.isAlive(holder)) {
        unlinkQuietly(lockPath);
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`The trace ledger is locked by process ${String(holder)} (${lockPath}) for more than ${WAIT_MS / 1000} s.`);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  } finally {
    unlinkQuietly(temporary);
  }
}

/** The pid in the lock file, or why there is none: released meanwhile, or not a pid (no rlm wrote it). */
function lockHolder(lockPath: string): number | 'released' | 'unreadable' {
  try {
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : 'unreadable';
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'released';
    throw error;
  }
}
