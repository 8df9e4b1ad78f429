/**
 * The benchmark's child processes (bench/gateway-target.ts): started with a role, ready once they
 * listen, asked for their CPU time or memory, and ended when the benchmark is done.
 *
 * The two hops run as users run them. When dist/ is current (built after every change to what the
 * build reads, as scripts/build-if-stale.mjs judges it), rlm is loaded from dist/ on plain node, as
 * the installed `rlm` command runs it (bin/rlm.js imports dist/main.js; `npm start` adds
 * --enable-source-maps, which costs no CPU on the hot path and about 2 MB of RSS for the maps,
 * `RLM_BENCH_SOURCE_MAPS=1` to measure it that way), and the minimal proxy and the target script
 * are transpiled the same way (TypeScript's transpileModule, into a temporary directory), so that
 * neither hop pays for tsx (whose esbuild transform wraps every named function in a `__name`
 * call). Otherwise both hops run under tsx from their sources, and the report says so.
 * `RLM_BENCH_FROM=src` or `=dist` forces one or the other, and `RLM_BENCH_DIST=<directory>` runs
 * the build in that directory instead of this checkout's dist/ (another commit's, to compare two
 * versions in the same harness). The simulator always runs under tsx.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Role, TargetMessage, TargetRequest } from './gateway-world.js';

export interface TargetProcess {
  role: Role;
  url: string;
  /** User + system CPU time of the process since it started, in milliseconds. */
  cpuMs(): Promise<number>;
  /** The system (kernel) part of it. */
  systemCpuMs(): Promise<number>;
  /** Simulator: forget the requests recorded so far (and script the replies again). */
  reset(): Promise<void>;
  /** process.memoryUsage() of the process, after a full GC when `collect` and it was started with `exposeGc`. */
  memory(collect: boolean): Promise<Extract<TargetMessage, { type: 'memory' }>>;
  stop(): Promise<void>;
}

/** How the hops are started: from dist/ and transpiled (`dist`), or from their sources under tsx (`src`). */
export interface HopBuild {
  from: 'dist' | 'src';
  /** One line for the report: what ran, and why. */
  note: string;
  /** Removes the transpiled files. */
  dispose(): Promise<void>;
  /** @internal */
  launch: Record<'rlm' | 'proxy', { script: string; module: string; execArgv: string[] }>;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const benchFile = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
/** What the build reads, as in scripts/build-if-stale.mjs. */
const BUILD_INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

function newestMtime(path: string): number {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function distIsCurrent(): boolean {
  const stamp = join(root, 'dist', '.build-stamp');
  if (!existsSync(stamp) || !existsSync(join(root, 'dist', 'server', 'app.js'))) return false;
  return statSync(stamp).mtimeMs >= Math.max(...BUILD_INPUTS.map((input) => newestMtime(join(root, input))));
}

export async function prepareHops(): Promise<HopBuild> {
  const forced = process.env.RLM_BENCH_FROM;
  if (forced !== undefined && forced !== 'src' && forced !== 'dist') throw new Error(`RLM_BENCH_FROM is "${forced}"; use src or dist.`);
  const current = distIsCurrent();
  const from = forced ?? (current || process.env.RLM_BENCH_DIST !== undefined ? 'dist' : 'src');
  if (from === 'src') {
    const tsx = ['--import', 'tsx'];
    return {
      from,
      note: forced === 'src' ? 'rlm and the proxy from their sources under tsx (RLM_BENCH_FROM=src)' : 'rlm and the proxy from their sources under tsx: dist/ is missing or older than src/ (`npm run build` to time what users run)',
      dispose: async () => {},
      launch: {
        rlm: { script: benchFile('./gateway-target.ts'), module: new URL('../src/', import.meta.url).href, execArgv: tsx },
        proxy: { script: benchFile('./gateway-target.ts'), module: new URL('./minimal-proxy.ts', import.meta.url).href, execArgv: tsx },
      },
    };
  }
  // Another build of rlm (a checkout's dist/, to time two versions side by side with the same harness).
  const distDirectory = process.env.RLM_BENCH_DIST ?? join(root, 'dist');
  if (!existsSync(join(distDirectory, 'server', 'app.js'))) throw new Error(`RLM_BENCH_FROM=dist, but ${distDirectory} has no build; run \`npm run build\`.`);
  const sourceMaps = process.env.RLM_BENCH_SOURCE_MAPS === '1';
  const directory = await mkdtemp(join(tmpdir(), 'rlm-bench-hops-'));
  // TypeScript is a CommonJS package (and a dev dependency, as the benchmarks are).
  const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
  await writeFile(join(directory, 'package.json'), '{ "type": "module" }\n');
  for (const name of ['gateway-target', 'gateway-world', 'minimal-proxy']) {
    const source = await readFile(benchFile(`./${name}.ts`), 'utf8');
    const output = ts.transpileModule(source, {
      fileName: `${name}.ts`,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
    });
    await writeFile(join(directory, `${name}.js`), output.outputText);
  }
  return {
    from: 'dist',
    note: `rlm from ${process.env.RLM_BENCH_DIST ?? 'dist/'} on plain node${sourceMaps ? ' --enable-source-maps, as npm start runs it' : ', as the installed rlm command runs it'}${current || process.env.RLM_BENCH_DIST !== undefined ? '' : ' (RLM_BENCH_FROM=dist, though dist/ is older than src/)'}; the proxy transpiled to plain JavaScript`,
    dispose: () => rm(directory, { recursive: true, force: true }),
    launch: {
      rlm: { script: join(directory, 'gateway-target.js'), module: pathToFileURL(join(distDirectory, '/')).href, execArgv: sourceMaps ? ['--enable-source-maps'] : [] },
      proxy: { script: join(directory, 'gateway-target.js'), module: pathToFileURL(join(directory, 'minimal-proxy.js')).href, execArgv: [] },
    },
  };
}

export interface TargetOptions {
  /** The simulator's URL, for rlm and the proxy. */
  upstream?: string;
  /** Runs the process with --expose-gc, so that memory() is measured after a full collection. */
  exposeGc?: boolean;
}

/**
 * `RLM_BENCH_CPU_PROF=<dir>` starts the rlm and proxy processes under `node --cpu-prof`, so a
 * profile of the hop under exactly this load lands in <dir> when the benchmark ends;
 * `RLM_BENCH_CPU_PROF_INTERVAL=<µs>` samples more often than every 1,000 µs.
 */
export async function startTarget(role: Role, build: HopBuild | undefined, options: TargetOptions = {}): Promise<TargetProcess> {
  const profileDirectory = process.env.RLM_BENCH_CPU_PROF;
  const interval = process.env.RLM_BENCH_CPU_PROF_INTERVAL;
  const profile =
    profileDirectory !== undefined && role !== 'simulator'
      ? ['--cpu-prof', '--cpu-prof-dir', profileDirectory, ...(interval === undefined ? [] : ['--cpu-prof-interval', interval])]
      : [];
  const launch =
    role === 'simulator'
      ? { script: benchFile('./gateway-target.ts'), module: new URL('../test/simulator/index.ts', import.meta.url).href, execArgv: ['--import', 'tsx'] }
      : build?.launch[role];
  if (launch === undefined) throw new Error(`startTarget: the ${role} needs a HopBuild (prepareHops())`);
  const child: ChildProcess = fork(launch.script, [role, launch.module, ...(options.upstream === undefined ? [] : [options.upstream])], {
    execArgv: [...launch.execArgv, ...profile, ...(options.exposeGc ? ['--expose-gc'] : [])],
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
  // One question at a time: answers carry no id, so two in flight could each take the other's.
  let queue: Promise<unknown> = Promise.resolve();
  const ask = <T extends TargetRequest['type']>(request: Extract<TargetRequest, { type: T }>): Promise<Extract<TargetMessage, { type: T }>> => {
    const asked = queue.then(() => {
      const answer = next(request.type);
      child.send(request);
      return answer;
    });
    queue = asked.catch(() => undefined);
    return asked;
  };
  const { url } = await next('ready');
  return {
    role,
    url,
    cpuMs: async () => (await ask({ type: 'cpu' })).micros / 1000,
    systemCpuMs: async () => (await ask({ type: 'cpu' })).systemMicros / 1000,
    reset: async () => void (await ask({ type: 'reset' })),
    memory: (collect) => ask({ type: 'memory', collect }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}
