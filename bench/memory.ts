/**
 * The memory benchmark (issue 11): rlm's resident set size idle, with 256 streams open at once,
 * and after they finish. rlm runs in a child process (bench/gateway-target.ts, from dist/ when it
 * is current, as bench/gateway-processes.ts decides), started with --expose-gc, and reports
 * process.memoryUsage() over IPC: after a forced full collection (two, a turn apart) for the idle
 * and after figures, so they are what is kept rather than what the collector has not reached yet,
 * and as it is (no collection) for the samples taken every 50 ms while the streams run, whose
 * highest is the peak. The simulator and the load generator run in this process; the simulator
 * streams each reply's 20 chunks 100 ms apart, so 256 streams stay open together for about 2 s.
 *
 * - cold: just started, collected.
 * - idle: after a few requests of each pass-through kind (chat, streamed chat, completions,
 *   embeddings), collected: what a server that has served its first clients holds. The goals
 *   compare against this one.
 * - 256 streams: the highest uncollected sample while they run, and one collected sample once all
 *   256 are streaming (what the streams themselves hold).
 * - after: once they finished, collected at once, and again after QUIET_MS without requests; then
 *   a second burst of 256 and the same, so that memory kept per burst (a leak) shows as growth.
 *   The goal is judged on the quiet reading: for the burst V8 grows its young generation to its
 *   limit (16 MB semi-spaces, about 32 MB of RSS), and gives it back at the first collection that
 *   finds the allocation rate low, about 5 s on; a collection straight after the burst still sees
 *   the burst's rate and keeps it. Without any collection (no requests, no --expose-gc) it stays
 *   grown until the next requests bring one.
 */
import { prepareHops, startTarget, type TargetProcess } from './gateway-processes.js';
import { CHAT_MODEL, CHAT_REPLY, CODE_MODEL, CODE_REPLY, EMBED_MODEL, type TargetMessage } from './gateway-world.js';
import { runLoad, type LoadResult } from './load.js';
import type { Benchmark } from './run.js';
import { startSimulator, type Simulator } from '../test/simulator/index.js';

const STREAMS = 256;
const TOKEN_LATENCY_MS = 100;
const SAMPLE_EVERY_MS = 50;
/** Quiet after a burst before the reading the goal is judged on (see above). */
const QUIET_MS = 6000;
const MB = 1024 * 1024;

type Memory = Extract<TargetMessage, { type: 'memory' }>;

export interface MemoryGoal {
  goal: string;
  valueMb: number;
  limitMb: number;
  met: boolean;
}

export const memoryBenchmark: Benchmark = {
  name: 'memory',
  async run(context) {
    const build = await prepareHops();
    context.progress(`starting the simulator (${TOKEN_LATENCY_MS} ms between chunks) and rlm with --expose-gc: ${build.note}`);
    const simulator = await startSimulator({ tokenLatencyMs: TOKEN_LATENCY_MS });
    let rlm: TargetProcess | undefined;
    try {
      simulator.script(CHAT_MODEL, CHAT_REPLY);
      simulator.script(CODE_MODEL, CODE_REPLY);
      rlm = await startTarget('rlm', build, { upstream: simulator.url, exposeGc: true });
      await settle();
      const cold = await rlm.memory(true);
      context.progress('warming up: a few requests of each pass-through kind');
      await warmUp(rlm.url);
      await settle();
      const idle = await rlm.memory(true);
      const bursts: Burst[] = [];
      for (let burst = 1; burst <= 2; burst++) {
        context.progress(`burst ${burst} of 2: ${STREAMS} streamed chats at once`);
        bursts.push(await streamBurst(rlm, simulator));
      }
      if (!bursts[0]?.memoryDuring.collected) context.progress('rlm ran without --expose-gc: the figures are not after a full collection');
      const goals = evaluateMemoryGoals(idle, bursts);
      if (!context.json) context.write(formatMemoryReport(build.note, cold, idle, bursts, goals));
      return { from: build.from, cold, idle, bursts, goals };
    } finally {
      await rlm?.stop();
      await simulator.close();
      await build.dispose();
    }
  },
};

interface Burst {
  /** The highest RSS sampled (no collection) while the streams ran. */
  peakRss: number;
  /** Collected, with every stream open. */
  memoryDuring: Memory;
  /** Collected, as soon as every stream ended. */
  memoryAtOnce: Memory;
  /** Collected, QUIET_MS later. */
  memoryAfter: Memory;
  load: Pick<LoadResult, 'requests' | 'errors' | 'elapsedMs'>;
}

/** Lets the last responses' sockets close and timers run before a reading. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));

async function warmUp(url: string): Promise<void> {
  const messages = [{ role: 'user', content: 'Say twenty words.' }];
  const kinds = [
    { path: '/v1/chat/completions', body: JSON.stringify({ model: CHAT_MODEL, messages }) },
    { path: '/v1/chat/completions', body: JSON.stringify({ model: CHAT_MODEL, messages, stream: true }) },
    { path: '/v1/completions', body: JSON.stringify({ model: CODE_MODEL, prompt: 'function add(a, b) {\n  ', suffix: '\n}', stream: true, max_tokens: 16 }) },
    { path: '/v1/embeddings', body: JSON.stringify({ model: EMBED_MODEL, input: ['a line of source code', 'another line'] }) },
  ];
  for (const kind of kinds) {
    const result = await runLoad({ url: `${url}${kind.path}`, body: () => kind.body, concurrency: 4, requests: 8 });
    if (result.errors > 0) throw new Error(`memory benchmark: ${result.errors} of the warm-up requests to ${kind.path} failed`);
  }
}

async function streamBurst(rlm: TargetProcess, simulator: Simulator): Promise<Burst> {
  simulator.reset();
  simulator.script(CHAT_MODEL, CHAT_REPLY);
  const body = JSON.stringify({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Say twenty words.' }], stream: true });
  const load = runLoad({ url: `${rlm.url}/v1/chat/completions`, body: () => body, concurrency: STREAMS, requests: STREAMS, firstContent: '"content":"word1' });
  let finished = false;
  void load.finally(() => {
    finished = true;
  });
  let peakRss = 0;
  const sampling = (async () => {
    while (!finished) {
      peakRss = Math.max(peakRss, (await rlm.memory(false)).rss);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
    }
  })();
  // Every stream open at the simulator: what rlm holds for them, collected.
  await simulator.waitFor((stats) => stats.inFlight >= STREAMS || stats.completed > 0, 30_000);
  const memoryDuring = await rlm.memory(true);
  const result = await load;
  await sampling;
  await settle();
  const memoryAtOnce = await rlm.memory(true);
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  const memoryAfter = await rlm.memory(true);
  if (result.errors > 0) throw new Error(`memory benchmark: ${result.errors} of the ${STREAMS} streams failed`);
  return { peakRss: Math.max(peakRss, memoryDuring.rss), memoryDuring, memoryAtOnce, memoryAfter, load: { requests: result.requests, errors: result.errors, elapsedMs: result.elapsedMs } };
}

export function evaluateMemoryGoals(idle: Memory, bursts: Burst[]): MemoryGoal[] {
  const peak = Math.max(...bursts.map((burst) => burst.peakRss));
  const after = Math.max(...bursts.map((burst) => burst.memoryAfter.rss));
  return [
    { goal: 'idle RSS at most 60 MB', valueMb: mb(idle.rss), limitMb: 60, met: idle.rss <= 60 * MB },
    { goal: `${STREAMS} concurrent streams: RSS at most 150 MB`, valueMb: mb(peak), limitMb: 150, met: peak <= 150 * MB },
    { goal: `after the streams (${QUIET_MS / 1000} s quiet): within 10 % of idle`, valueMb: mb(after), limitMb: mb(idle.rss * 1.1), met: after <= idle.rss * 1.1 },
  ];
}

export function formatMemoryReport(note: string, cold: Memory, idle: Memory, bursts: Burst[], goals: MemoryGoal[]): string {
  const rows: string[][] = [['', 'RSS', 'heap used', 'heap total', 'external', 'array buffers']];
  const row = (label: string, memory: Memory, rss = memory.rss): void => {
    rows.push([label, `${format(mb(rss))} MB`, `${format(mb(memory.heapUsed))} MB`, `${format(mb(memory.heapTotal))} MB`, `${format(mb(memory.external))} MB`, `${format(mb(memory.arrayBuffers))} MB`]);
  };
  row('cold (just started)', cold);
  row('idle (after warm-up)', idle);
  bursts.forEach((burst, index) => {
    row(`burst ${index + 1}: ${STREAMS} streams open`, burst.memoryDuring);
    rows.push([`burst ${index + 1}: peak while streaming`, `${format(mb(burst.peakRss))} MB`, '', '', '', '']);
    row(`burst ${index + 1}: just after`, burst.memoryAtOnce);
    row(`burst ${index + 1}: after ${QUIET_MS / 1000} s quiet`, burst.memoryAfter);
  });
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length)));
  const line = (cells: string[]): string => `  ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('   ')}`;
  // The first burst's: the second reuses the upstream sockets the first left open (kept alive).
  const perStreamRss = (bursts[0]!.memoryDuring.rss - idle.rss) / STREAMS / 1024;
  const perStreamHeap = (bursts[0]!.memoryDuring.heapUsed - idle.heapUsed) / STREAMS / 1024;
  const collected = idle.collected ? 'after a forced full GC (--expose-gc)' : 'WITHOUT a forced GC';
  return [
    `Memory: rlm's RSS idle, with ${STREAMS} streamed chats open at once (${TOKEN_LATENCY_MS} ms between chunks), and after (${collected}; peaks sampled every ${SAMPLE_EVERY_MS} ms)`,
    `  ${note}`,
    ...rows.map(line),
    `  each open stream (first burst, collected): ${format(perStreamHeap)} KB of heap, ${format(perStreamRss)} KB of RSS over idle; peak RSS of the process (getrusage): ${format(mb(Math.max(...bursts.map((burst) => burst.memoryAfter.maxRss))))} MB`,
    'Goals (issue 11):',
    ...goals.map((goal) => `  ${goal.met ? 'met    ' : 'NOT MET'}  ${goal.goal}: ${format(goal.valueMb)} MB (limit ${format(goal.limitMb)} MB)`),
    '',
  ].join('\n');
}

function mb(bytes: number): number {
  return Math.round((bytes / MB) * 10) / 10;
}

function format(value: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}
