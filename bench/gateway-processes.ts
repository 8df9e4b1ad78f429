/**
 * The gateway benchmark's child processes (bench/gateway-target.ts): started with a role, ready
 * once they listen, asked for their CPU time, and ended when the benchmark is done.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Role, TargetMessage, TargetRequest } from './gateway-world.js';

export interface TargetProcess {
  role: Role;
  url: string;
  /** User + system CPU time of the process since it started, in milliseconds. */
  cpuMs(): Promise<number>;
  /** Simulator: forget the requests recorded so far (and script the replies again). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `RLM_BENCH_CPU_PROF=<dir>` starts the rlm and proxy processes under `node --cpu-prof`, so a
 * profile of the hop under exactly this load lands in <dir> when the benchmark ends.
 */
export async function startTarget(role: Role, upstream?: string): Promise<TargetProcess> {
  const profileDirectory = process.env.RLM_BENCH_CPU_PROF;
  const profile = profileDirectory !== undefined && role !== 'simulator' ? ['--cpu-prof', '--cpu-prof-dir', profileDirectory] : [];
  const child: ChildProcess = fork(fileURLToPath(new URL('./gateway-target.ts', import.meta.url)), upstream === undefined ? [role] : [role, upstream], {
    execArgv: ['--import', 'tsx', ...profile],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends TargetMessage['type']>(type: T): Promise<Extract<TargetMessage, { type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: TargetMessage): void => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as Extract<TargetMessage, { type: T }>);
      };
      const onExit = (code: number | null): void => reject(new Error(`the ${role} process exited (${code}) before answering ${type}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ask = <T extends TargetRequest['type']>(type: T): Promise<Extract<TargetMessage, { type: T }>> => {
    const answer = next(type);
    child.send({ type } satisfies TargetRequest);
    return answer;
  };
  const { url } = await next('ready');
  return {
    role,
    url,
    cpuMs: async () => (await ask('cpu')).micros / 1000,
    reset: async () => void (await ask('reset')),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}
