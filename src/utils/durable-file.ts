/** Small pieces for files that must survive a crash: complete writes, synced directories, error codes, quiet clean-up. */
import { closeSync, unlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Writes every byte: one write usually takes everything; a short write continues where it stopped. */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    if (bytesWritten === 0) throw new Error(`Writing to a file made no progress (is the disk full?).`);
    offset += bytesWritten;
  }
}

/** A new or renamed file is durable only once its directory entry is: fsync the directory where the OS allows it. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    // Windows cannot open or fsync a directory; there the files' own fsync is all there is.
    if (!['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EBADF'].includes(errorCode(error) ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

/** The `code` of a Node system error (ENOENT…), if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Removes a file that may already be gone (or was never made); clean-up never throws. */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or not ours to remove
  }
}

/** Closes a descriptor; closing can only fail on one already gone, and the data's fate was decided before. */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // nothing left to do
  }
}
