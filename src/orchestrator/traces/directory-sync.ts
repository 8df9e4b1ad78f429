/**
 * Directory fsyncs, grouped. A new run file is durable only once its directory entry is, and one
 * fsync of a directory makes durable every entry made in it before that fsync started. So a
 * request is served by the first fsync of its directory that starts after it: while one is in
 * flight, the runs closing meanwhile wait together for the next. A run asks as it closes, with
 * its file's fdatasync, so that the two waits for the disk overlap, and both answers usually
 * come back in one wake-up of the event loop.
 *
 * Opening and closing the directory are synchronous (microseconds); only the fsync, which waits
 * for the disk, goes to libuv's thread pool: one round trip per fsync rather than three.
 */
import { closeSync, fsync, openSync } from 'node:fs';
import { errorCode } from '../../utils/durable-file.js';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** Per directory, process-wide: the requests waiting for the next fsync (one fsync runs at a time). */
const waiting = new Map<string, Waiter[]>();

export function syncDirectorySoon(directory: string, sync: (directory: string) => Promise<void> = syncDirectoryNow): Promise<void> {
  return new Promise((resolve, reject) => {
    const queue = waiting.get(directory);
    if (queue !== undefined) {
      queue.push({ resolve, reject });
      return;
    }
    waiting.set(directory, [{ resolve, reject }]);
    void drain(directory, sync);
  });
}

async function drain(directory: string, sync: (directory: string) => Promise<void>): Promise<void> {
  for (;;) {
    const batch = waiting.get(directory) ?? [];
    // Requests from here on wait for the next fsync: this one may have started before they came.
    waiting.set(directory, []);
    try {
      await sync(directory);
      for (const waiter of batch) waiter.resolve();
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
    if ((waiting.get(directory)?.length ?? 0) === 0) {
      waiting.delete(directory);
      return;
    }
  }
}

/** As utils/durable-file.ts's syncDirectory: Windows cannot open or fsync a directory, and there the files' own fsync is all there is. */
const UNSYNCABLE = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EBADF']);

export async function syncDirectoryNow(directory: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(directory, 'r');
  } catch (error) {
    if (UNSYNCABLE.has(errorCode(error) ?? '')) return;
    throw error;
  }
  try {
    await new Promise<void>((resolve, reject) => fsync(fd, (error) => (error === null || UNSYNCABLE.has(errorCode(error) ?? '') ? resolve() : reject(error))));
  } finally {
    closeSync(fd);
  }
}
