/**
 * The simulator in a child process of its own (cli.ts), for tests that kill a backend by PID the
 * way a machine going away does: its sockets are closed by the kernel, not by the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface SimulatorProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** Starts `cli.ts` with these flags (`--port 0` unless given) and resolves once it is listening. */
export function spawnSimulator(flags: readonly string[] = [], timeoutMs = 20_000): Promise<SimulatorProcess> {
  const args = flags.includes('--port') ? flags : ['--port', '0', ...flags];
  const child: ChildProcess = spawn(process.execPath, ['--import', tsx, cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The simulator did not start within ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The simulator exited (${code}) before listening: ${output}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(output);
      if (found === null) return;
      clearTimeout(timer);
      resolve({
        url: found[1] as string,
        port: Number(found[2]),
        pid: child.pid as number,
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, 'SIGKILL');
          await exited;
        },
      });
    });
  });
}
