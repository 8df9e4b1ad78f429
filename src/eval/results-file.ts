/**
 * An eval's results as they finish: one JSON line per (target, task) in `results.jsonl`, appended
 * and flushed to disk as each task ends, so an interrupted eval (Ctrl-C, a crash, a reboot) loses
 * at most the tasks that were running. Opening the file again reads what is done; a torn last line
 * (the crash came mid-write) is dropped and its task asked again.
 */
import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { PRIVATE_FILE_MODE } from '../utils/private-files.js';
import type { TaskResult } from './report.js';

export interface ResultsFile {
  readonly path: string;
  /** Results already in the file, by resultKey. */
  readonly done: ReadonlyMap<string, TaskResult>;
  /** Appends and flushes one result; appends are written in call order. */
  append(result: TaskResult): Promise<void>;
  close(): Promise<void>;
}

/** A result's identity: which target answered which task. */
export function resultKey(result: Pick<TaskResult, 'targetKind' | 'target' | 'suite' | 'taskId'>): string {
  return `${result.targetKind}:${result.target}\u0000${result.suite}/${result.taskId}`;
}

export async function openResultsFile(path: string): Promise<ResultsFile> {
  const done = new Map<string, TaskResult>();
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const lines = text.split('\n');
  // Only the last line can be torn; a damaged line elsewhere is the file's, and is reported.
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      const result = JSON.parse(line) as TaskResult;
      done.set(resultKey(result), result);
    } catch (error) {
      if (index === lines.length - 1 || (index === lines.length - 2 && lines.at(-1) === '')) continue;
      throw new Error(`${path}:${index + 1} is not a result line (${(error as Error).message}); move the file away to start this eval afresh.`);
    }
  }
  // A torn last line is cut off, so the next append starts on a line of its own.
  const handle: FileHandle = await open(path, 'a', PRIVATE_FILE_MODE);
  let needsNewline = text !== '' && !text.endsWith('\n');
  let queue: Promise<void> = Promise.resolve();
  return {
    path,
    done,
    append(result) {
      const line = `${needsNewline ? '\n' : ''}${JSON.stringify(result)}\n`;
      needsNewline = false;
      queue = queue.then(async () => {
        await handle.write(line);
        await handle.datasync();
      });
      return queue;
    },
    async close() {
      await queue.catch(() => undefined);
      await handle.close();
    },
  };
}
