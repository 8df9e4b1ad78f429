/**
 * Run files made ahead. Creating a file (allocating its inode) was the costliest step of a run's
 * admission on ext4, 0.4-0.6 ms measured in place, so each run's file is made ahead, while the
 * previous run's first model call is out, as a spare `.spare-<pid>-<hex>` in the same day
 * directory. Admission writes the header into the spare and links it to the run's name (link(2)
 * fails if the name exists, as the 'ax' open does), so the run's name appears with its header
 * already in it; the spare's own name goes on the next turn. Readers see only `.jsonl` names.
 *
 * A spare is only a head start: a directory where links cannot be made gets no more spares, and
 * its runs make their own files, as does any run that finds no spare for its directory.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, openSync } from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { closeQuietly, errorCode, unlinkQuietly } from '../../utils/durable-file.js';
import { PRIVATE_FILE_MODE } from '../../utils/private-files.js';

/** An empty file made ahead in a day directory, for the next run started there. */
export interface SpareFile {
  directory: string;
  path: string;
  fd: number;
}

/** A run file linked from a spare: its descriptor, and the spare's name, still linked until the next turn. */
export interface LinkedSpare {
  fd: number;
  created: undefined;
  spareName: string;
}

const SPARE_PREFIX = '.spare-';

/** A spare file's name (rlm's own scratch, not a run): what is counted as a day's files leaves it out. */
export function isSpareName(name: string): boolean {
  return name.startsWith(SPARE_PREFIX);
}

/** This process's one spare (runs mostly start in one day directory); a spare is used once. */
let spareFile: SpareFile | undefined;
let removeSpareAtExit = false;
/** What link(2) answers where a file system has no hard links (FAT, some network file systems). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'EXDEV', 'ENOSYS']);
/** Directories where a spare could not be linked (no hard links there): their runs make their own files. */
const noSpares = new Set<string>();

/** The spare made for `directory`, taken (no other run will get it), or undefined. */
export function takeSpare(directory: string): SpareFile | undefined {
  const spare = spareFile;
  if (spare?.directory !== directory) return undefined;
  spareFile = undefined;
  return spare;
}

/**
 * The header goes into the spare (`writeHeader`), then the spare is linked to the run's name, so
 * the name never names a file without its header. A name that exists fails the link as it fails
 * the 'ax' open, and that error is thrown. Any other failure leaves the spare unused and answers
 * undefined: the caller makes the file as usual.
 */
export function linkSpare(spare: SpareFile, path: string, writeHeader: (fd: number) => void): LinkedSpare | undefined {
  try {
    writeHeader(spare.fd);
    linkSync(spare.path, path);
  } catch (error) {
    // The spare now holds a header of its own, or cannot be linked: it is never used again.
    closeQuietly(spare.fd);
    unlinkQuietly(spare.path);
    const code = errorCode(error);
    if (code === 'EEXIST') throw error;
    // A file system without hard links gets no more spares; anything else about this spare (its
    // directory removed under it, say) is this spare's problem.
    if (NO_HARD_LINKS.has(code ?? '')) noSpares.add(spare.directory);
    return undefined;
  }
  return { fd: spare.fd, created: undefined, spareName: spare.path };
}

/**
 * A spare for the next run in `directory`, replacing one made for another directory. Not being able
 * to make one only means the next admission creates its file itself. The spare's name is removed
 * when the process exits; one left by a process killed or crashed is an empty file no reader looks
 * at (only `.jsonl` names are runs), removed by the next process to make a spare in that directory.
 */
export function makeSpare(directory: string, isAlive: ((pid: number) => boolean) | undefined): void {
  if (spareFile?.directory === directory || noSpares.has(directory)) return;
  dropSpare();
  if (isAlive !== undefined) removeAbandonedSpares(directory, isAlive);
  const path = join(directory, `${SPARE_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    spareFile = { directory, path, fd: openSync(path, 'ax', PRIVATE_FILE_MODE) };
  } catch {
    return;
  }
  if (!removeSpareAtExit) {
    removeSpareAtExit = true;
    process.once('exit', dropSpare);
  }
}

/** Day directories this process has looked through for spares of processes gone (once each). */
const tidied = new Set<string>();

/** In the background: a name this removes is never linked to a run, since only its (gone) maker would link it. */
function removeAbandonedSpares(directory: string, isAlive: (pid: number) => boolean): void {
  if (tidied.has(directory)) return;
  tidied.add(directory);
  readdir(directory).then(
    (names) => {
      for (const name of names) {
        const pid = isSpareName(name) ? Number(name.slice(SPARE_PREFIX.length).split('-')[0]) : Number.NaN;
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid)) unlink(join(directory, name)).catch(() => undefined);
      }
    },
    () => undefined,
  );
}

function dropSpare(): void {
  const spare = spareFile;
  spareFile = undefined;
  if (spare === undefined) return;
  closeQuietly(spare.fd);
  unlinkQuietly(spare.path);
}
