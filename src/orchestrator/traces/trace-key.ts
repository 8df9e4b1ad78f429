/**
 * The key that seals trace records and ledger lines: 32 random bytes, written as hex in
 * `<dataDir>/trace-key`, private to the user (0600 in a 0700 directory). It is created the first
 * time the data directory records anything and never rewritten: a new key would make every seal
 * made under the old one fail verification, so losing the file loses the proof, not the runs.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode, syncDirectory, writeAll } from '../../utils/durable-file.js';
import { makePrivateDirectory, PRIVATE_FILE_MODE } from '../../utils/private-files.js';

export const TRACE_KEY_FILE = 'trace-key';

const KEY_BYTES = 32;
const KEY_TEXT = /^[0-9a-f]{64}$/;

export function traceKeyPath(dataDir: string): string {
  return join(dataDir, TRACE_KEY_FILE);
}

/** The key, or undefined when the data directory has none yet. A damaged key file throws. */
export async function readTraceKey(dataDir: string): Promise<Buffer | undefined> {
  const path = traceKeyPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
  const hex = text.trim();
  if (!KEY_TEXT.test(hex)) {
    throw new Error(
      `The trace key ${path} is damaged (expected ${KEY_BYTES * 2} hex characters). Restore it from a backup; ` +
        'moving it aside makes rlm start a new key, and every record sealed under the old one then fails verification.',
    );
  }
  return Buffer.from(hex, 'hex');
}

/**
 * The key, created when there is none. The new key is written whole to a temporary file and then
 * linked into place, which fails if another process linked its key first: so two processes starting
 * together agree on one key, and a crash never leaves a half-written key file.
 */
export async function ensureTraceKey(dataDir: string): Promise<Buffer> {
  const existing = await readTraceKey(dataDir);
  if (existing !== undefined) return existing;
  await makePrivateDirectory(dataDir);
  const path = traceKeyPath(dataDir);
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const key = randomBytes(KEY_BYTES);
  const handle = await open(temporary, 'wx', PRIVATE_FILE_MODE);
  try {
    await writeAll(handle, Buffer.from(`${key.toString('hex')}\n`, 'utf8'));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  await syncDirectory(dataDir);
  // Ours, or the one another process linked first.
  const winner = await readTraceKey(dataDir);
  if (winner === undefined) throw new Error(`The trace key ${path} vanished while it was being created.`);
  return winner;
}
