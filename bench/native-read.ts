/**
 * The native read of the search benchmark: bench/native-read.c, compiled when the benchmark runs
 * with the machine's C compiler (`$CC`, else `cc`, `gcc` or `clang`) at -O2, and run on the same
 * float32 file the search reads. The program loads the file once and then times passes when asked,
 * so its passes can alternate with the search's queries; it times them itself, so neither process
 * start-up, the file read nor the pipe is counted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const SOURCE = fileURLToPath(new URL('./native-read.c', import.meta.url));

export type NativeReaderBuild = { binary: string; compiler: string } | { skipped: string };

/** One timed pass: wall-clock milliseconds, and the CPU milliseconds within them. */
export interface PassTime {
  wallMs: number;
  cpuMs: number;
}

export interface NativeReader {
  /** The times of each of `count` timed sums over the file. */
  passes(count: number): Promise<PassTime[]>;
  close(): void;
}

/** Compiles the reader into `directory`, or says why it could not. */
export function buildNativeReader(directory: string): NativeReaderBuild {
  const binary = join(directory, 'native-read');
  const compilers = [process.env.CC, 'cc', 'gcc', 'clang'].filter((name): name is string => name !== undefined && name !== '');
  const problems: string[] = [];
  for (const compiler of compilers) {
    const result = spawnSync(compiler, ['-O2', '-o', binary, SOURCE], { encoding: 'utf8' });
    if (result.error !== undefined) {
      problems.push(`${compiler}: ${(result.error as NodeJS.ErrnoException).code ?? result.error.message}`);
      continue;
    }
    if (result.status === 0) return { binary, compiler: `${compiler} -O2` };
    problems.push(`${compiler} exited ${result.status}: ${result.stderr.trim().split('\n')[0] ?? ''}`);
  }
  return { skipped: `no C compiler could build bench/native-read.c (${problems.join('; ')})` };
}

/** Starts the reader on `file` and resolves once it has the file in memory. */
export async function startNativeReader(binary: string, file: string): Promise<NativeReader> {
  const child = spawn(binary, [file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done === true) throw new Error(`native-read ended early (exit ${child.exitCode ?? 'unknown'})`);
    return value;
  };
  const ready = await nextLine();
  if (ready !== 'ready') throw new Error(`native-read said ${JSON.stringify(ready)} instead of ready`);
  return {
    async passes(count) {
      child.stdin.write(`${count}\n`);
      const timings: PassTime[] = [];
      for (let pass = 0; pass < count; pass++) {
        const [wallMs, cpuMs] = (await nextLine()).split(' ').map(Number);
        if (!Number.isFinite(wallMs) || !Number.isFinite(cpuMs)) throw new Error('native-read printed something other than two times');
        timings.push({ wallMs: wallMs!, cpuMs: cpuMs! });
      }
      return timings;
    },
    close() {
      child.stdin.end();
    },
  };
}
