/** Runs the real `rlm` command as a child process, the way a user does, and collects what it printed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
// The child may run in a temporary directory with no node_modules: tsx is named by its full path.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `rlm ARGS` in `cwd` with only PATH and the given environment. */
export function spawnRlm(args: readonly string[], cwd: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', tsx, main, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Waits for the child to exit; `onStderr` sees stderr as it grows (to react to a log line). */
export async function finished(child: ChildProcess, onStderr?: (text: string) => void): Promise<Outcome> {
  const outcome: Outcome = { code: null, stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (outcome.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    outcome.stderr += chunk.toString();
    onStderr?.(outcome.stderr);
  });
  [outcome.code] = (await once(child, 'exit')) as [number | null];
  return outcome;
}
