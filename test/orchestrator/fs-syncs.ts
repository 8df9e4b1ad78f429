/**
 * For the durability tests: records every fsync and fdatasync this process makes through node:fs
 * (the callback functions the trace code uses, their Sync forms, and FileHandle's), with the file
 * they flushed (inode, size, directory or not) when they completed, and every writeSync by inode.
 * Each test file runs in its own process (vitest.config.ts), and `restore` puts the originals back.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { Stats } from 'node:fs';

export interface SyncEvent {
  kind: 'fsync' | 'fdatasync';
  ino: number;
  size: number;
  directory: boolean;
  /** Position in `order` when the flush completed. */
  at: number;
}

export interface SyncRecorder {
  readonly events: SyncEvent[];
  /** Everything marked, in order: flushes as `sync:<ino>`, writeSync calls as `write:<ino>`, and the test's own marks. */
  readonly order: string[];
  mark(label: string): void;
  restore(): void;
}

type Callback = (error: NodeJS.ErrnoException | null) => void;

export async function recordSyncs(): Promise<SyncRecorder> {
  const fs = createRequire(import.meta.url)('node:fs') as Record<string, unknown> & { fstatSync(fd: number): Stats };
  const fstatSync = fs.fstatSync.bind(fs);
  const events: SyncEvent[] = [];
  const order: string[] = [];
  const originals = new Map<string, unknown>();
  const note = (kind: SyncEvent['kind'], stats: Stats): void => {
    events.push({ kind, ino: stats.ino, size: stats.size, directory: stats.isDirectory(), at: order.length });
    order.push(`sync:${stats.ino}`);
  };
  for (const kind of ['fsync', 'fdatasync'] as const) {
    const original = fs[kind] as (fd: number, callback: Callback) => void;
    originals.set(kind, original);
    fs[kind] = (fd: number, callback: Callback) => {
      const stats = fstatSync(fd);
      original(fd, (error) => {
        if (!error) note(kind, stats);
        callback(error);
      });
    };
    const syncName = `${kind}Sync`;
    const originalSync = fs[syncName] as (fd: number) => void;
    originals.set(syncName, originalSync);
    fs[syncName] = (fd: number) => {
      originalSync(fd);
      note(kind, fstatSync(fd));
    };
  }
  // Every write(2) through writeSync, by inode: where the trace code writes lines.
  const originalWrite = fs.writeSync as (fd: number, ...rest: unknown[]) => number;
  originals.set('writeSync', originalWrite);
  fs.writeSync = (fd: number, ...rest: unknown[]) => {
    const written = originalWrite(fd, ...rest);
    order.push(`write:${fstatSync(fd).ino}`);
    return written;
  };
  // FileHandle.datasync/sync (the trace key, and anything else on fs/promises).
  const promises = fs.promises as { open(path: string, flags: string): Promise<{ fd: number; close(): Promise<void> }> };
  const probe = await promises.open(process.execPath, 'r');
  const prototype = Object.getPrototypeOf(probe) as Record<string, (this: { fd: number }) => Promise<void>>;
  await probe.close();
  const handleOriginals = { sync: prototype.sync, datasync: prototype.datasync };
  prototype.sync = async function (this: { fd: number }) {
    await handleOriginals.sync!.call(this);
    note('fsync', fstatSync(this.fd));
  };
  prototype.datasync = async function (this: { fd: number }) {
    await handleOriginals.datasync!.call(this);
    note('fdatasync', fstatSync(this.fd));
  };
  syncBuiltinESMExports();
  return {
    events,
    order,
    mark: (label) => void order.push(label),
    restore() {
      for (const [name, original] of originals) fs[name] = original;
      prototype.sync = handleOriginals.sync!;
      prototype.datasync = handleOriginals.datasync!;
      syncBuiltinESMExports();
    },
  };
}
