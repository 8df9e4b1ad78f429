/**
 * Whether rlm stays responsive with many streams open: 1,000 concurrent streaming pass-through chat
 * requests held open against a slow simulated model, while /health is probed one request at a
 * time, and rlm's event-loop delay (perf_hooks.monitorEventLoopDelay) is sampled. The simulator
 * and the clients run in a child process (bench/stream-load.ts), so this process's loop carries
 * rlm's work alone. Loopback only; bounded in streams and in time. Each stream holds two sockets
 * in each process, so the open-file limit (`ulimit -n`) is read first and printed, and a limit too
 * low for the streams runs fewer of them, saying how to raise it.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startServer } from '../src/server/app.js';
import { resolveConfig } from '../src/server/config.js';
import { createLogger } from '../src/utils/logger.js';
import type { Benchmark } from './run.js';
import type { ChildMessage, ParentMessage } from './stream-load.js';

const STREAMS = Number(process.env.RLM_BENCH_STREAMS ?? 1000);
const IDLE_PROBES = 20;
/** How long the streams are held open while /health is probed. */
const HOLD_MS = 6000;
const PROBE_GAP_MS = 50;
/** Opening every stream must not take longer than this, or the benchmark gives up. */
const OPEN_DEADLINE_MS = 60_000;
const TARGET_MS = 100;
/** Each stream holds two sockets in this process (client side and upstream), plus a margin. */
const FDS_PER_STREAM = 2;
const FD_MARGIN = 200;
/** Fewer streams than this would measure nothing worth printing. */
const MIN_STREAMS = 50;

export const healthUnderLoadBenchmark: Benchmark = {
  name: 'health-under-load',
  async run(context) {
    const fdLimit = openFileLimit();
    let streams = STREAMS;
    if (fdLimit !== undefined && fdLimit < streams * FDS_PER_STREAM + FD_MARGIN) {
      streams = Math.max(0, Math.floor((fdLimit - FD_MARGIN) / FDS_PER_STREAM));
      const raise = `Raise it with \`ulimit -n ${STREAMS * FDS_PER_STREAM + FD_MARGIN}\`.`;
      if (streams < MIN_STREAMS) {
        const reason = `open-file limit ${fdLimit} leaves room for ${streams} streams, too few to measure anything. ${raise}`;
        if (!context.json) context.write(`/health under load: skipped: ${reason}\n`);
        return { skipped: reason, fdLimit };
      }
      context.progress(`open-file limit ${fdLimit} is too low for ${STREAMS} streams; running ${streams}. ${raise}`);
    }
    const directory = await mkdtemp(join(tmpdir(), 'rlm-bench-health-'));
    const child = startLoadChild();
    try {
      const simulatorUrl = (await child.next('ready')).simulatorUrl;
      const config = resolveConfig(new Map([['--port', '0']]), { OLLAMA_HOST: simulatorUrl, RLM_DATA_DIR: join(directory, 'data') });
      const server = await startServer(config, { logger: createLogger({ level: 'silent' }), cwd: directory });
      const prober = createProber(`${server.url}/health`);
      const { probe } = prober;
      try {
        context.progress(`${IDLE_PROBES} /health probes with nothing else running`);
        // The first probe pays for connecting and compiling; it is not counted.
        await probe();
        const idle: Probe[] = [];
        for (let index = 0; index < IDLE_PROBES; index++) idle.push(await probe());

        context.progress(`opening ${streams} streaming chat requests`);
        const body = JSON.stringify({ model: 'llama3.2', stream: true, messages: [{ role: 'user', content: 'Tell me a long story.' }] });
        child.send({ type: 'open', url: server.url, streams, body });
        const opening = await measure(probe, child.next('opened'), OPEN_DEADLINE_MS);
        const opened = opening.result;

        context.progress(`${opened.opened} streams open; probing /health for ${HOLD_MS / 1000} s`);
        const open = await measure(probe, sleep(HOLD_MS), HOLD_MS * 2);

        context.progress('the clients leave');
        child.send({ type: 'stop' });
        const closing = await measure(probe, child.next('stopped'), OPEN_DEADLINE_MS);
        const stopped = closing.result;
        const results: Results = {
          streams,
          fdLimit: fdLimit ?? null,
          opened: opened.opened,
          failed: opened.failed,
          openingMs: opened.ms,
          statuses: stopped.statuses,
          healthIdleMs: summary(idle),
          healthWhileOpeningMs: summary(opening.health),
          healthWhileOpenMs: summary(open.health),
          healthWhileClosingMs: summary(closing.health),
          eventLoopDelayWhileOpeningMs: opening.loopDelay,
          eventLoopDelayWhileOpenMs: open.loopDelay,
          eventLoopDelayWhileClosingMs: closing.loopDelay,
          // Every /health probe asks /api/version and /api/tags once each; the other tags came from the model catalogue.
          catalogTagsRequests: stopped.tagsRequests - stopped.versionRequests,
          upstreamInFlightAfterStop: stopped.upstreamInFlight,
          healthUnder100Ms: {
            whileOpening: underTarget(opening.health),
            whileOpen: underTarget(open.health),
            whileClosing: underTarget(closing.health),
          },
        };
        if (!context.json) report(context.write, results);
        return results;
      } finally {
        prober.close();
        await server.close(0);
      }
    } finally {
      child.kill();
      await rm(directory, { recursive: true, force: true });
    }
  },
};

/** The soft open-file limit (`ulimit -n`), or undefined where the shell cannot say. */
function openFileLimit(): number | undefined {
  try {
    const text = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return text === 'unlimited' ? Infinity : Number.parseInt(text, 10) || undefined;
  } catch {
    return undefined;
  }
}

interface LoadChild {
  send(message: ParentMessage): void;
  /** The next message of that type; one that arrived before it was asked for is kept until then. */
  next<T extends ChildMessage['type']>(type: T): Promise<Extract<ChildMessage, { type: T }>>;
  kill(): void;
}

function startLoadChild(): LoadChild {
  const loadProcess: ChildProcess = fork(fileURLToPath(new URL('./stream-load.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<string, (message: ChildMessage) => void>();
  const early = new Map<string, ChildMessage>();
  loadProcess.on('message', (message: ChildMessage) => {
    const resolve = waiting.get(message.type);
    if (resolve === undefined) early.set(message.type, message);
    else {
      waiting.delete(message.type);
      resolve(message);
    }
  });
  const exited = new Promise<never>((_resolve, reject) => {
    loadProcess.once('exit', (code) => reject(new Error(`The load process exited (code ${code}) before it answered.`)));
  });
  exited.catch(() => undefined);
  return {
    send: (message) => void loadProcess.send(message),
    next<T extends ChildMessage['type']>(type: T) {
      const seen = early.get(type);
      if (seen !== undefined) {
        early.delete(type);
        return Promise.resolve(seen as Extract<ChildMessage, { type: T }>);
      }
      const answer = new Promise<Extract<ChildMessage, { type: T }>>((resolve) => {
        waiting.set(type, (message) => resolve(message as Extract<ChildMessage, { type: T }>));
      });
      return Promise.race([answer, exited]);
    },
    kill: () => void loadProcess.kill(),
  };
}

interface Probe {
  ms: number;
  status: number;
}

/** One GET at a time over a kept-alive socket, so each probe times rlm, not a TCP handshake. */
function createProber(url: string): { probe: () => Promise<Probe>; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const probe = (): Promise<Probe> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const outgoing = request(url, { agent }, (response) => {
        response.resume();
        response.once('end', () => resolve({ ms: performance.now() - started, status: response.statusCode ?? 0 }));
      });
      outgoing.once('error', reject);
      outgoing.end();
    });
  return { probe, close: () => agent.destroy() };
}

interface Phase<T> {
  result: T;
  health: Probe[];
  loopDelay: LoopDelay;
}

/** Probes /health one request at a time and samples the event-loop delay until `until` settles, at most `deadlineMs`. */
async function measure<T>(probe: () => Promise<Probe>, until: Promise<T>, deadlineMs: number): Promise<Phase<T>> {
  let outcome: { value: T } | { error: unknown } | undefined;
  until.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const health: Probe[] = [];
  const deadline = performance.now() + deadlineMs;
  while (outcome === undefined) {
    if (performance.now() > deadline) throw new Error(`Gave up after ${deadlineMs / 1000} s.`);
    health.push(await probe());
    await sleep(PROBE_GAP_MS);
  }
  delay.disable();
  if ('error' in outcome) throw outcome.error;
  return { result: outcome.value, health, loopDelay: loopDelay(delay) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Summary {
  probes: number;
  /** Probes answered with anything but 200 (a 503 means the backend probe inside /health timed out). */
  failed: number;
  p50: number;
  p95: number;
  max: number;
}

function summary(probes: Probe[]): Summary {
  const sorted = probes.map((probe) => probe.ms).sort((left, right) => left - right);
  const at = (fraction: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0);
  return { probes: probes.length, failed: probes.filter((probe) => probe.status !== 200).length, p50: at(0.5), p95: at(0.95), max: round(sorted.at(-1) ?? 0) };
}

interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

function loopDelay(histogram: IntervalHistogram): LoopDelay {
  const ms = (nanoseconds: number): number => round(nanoseconds / 1e6);
  return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

type Results = {
  streams: number;
  fdLimit: number | null;
  opened: number;
  failed: number;
  openingMs: number;
  statuses: Record<string, number>;
  healthIdleMs: Summary;
  healthWhileOpeningMs: Summary;
  healthWhileOpenMs: Summary;
  healthWhileClosingMs: Summary;
  eventLoopDelayWhileOpeningMs: LoopDelay;
  eventLoopDelayWhileOpenMs: LoopDelay;
  eventLoopDelayWhileClosingMs: LoopDelay;
  catalogTagsRequests: number;
  upstreamInFlightAfterStop: number;
  /** Every probe of the phase answered 200 in under TARGET_MS. */
  healthUnder100Ms: { whileOpening: boolean; whileOpen: boolean; whileClosing: boolean };
};

function underTarget(probes: Probe[]): boolean {
  const phase = summary(probes);
  return phase.failed === 0 && phase.max < TARGET_MS;
}

function report(write: (text: string) => void, results: Results): void {
  const row = (label: string, health: Summary, delay?: LoopDelay): string =>
    `  ${label.padEnd(24)} ${String(health.probes).padStart(4)} ${String(health.failed).padStart(3)}  ${ms(health.p50)} ${ms(health.p95)} ${ms(health.max)}` +
    (delay === undefined ? '' : `    ${ms(delay.p50)} ${ms(delay.p99)} ${ms(delay.max)}`);
  const verdict = (under: boolean): string => (under ? 'yes' : 'no');
  write(`/health with ${results.streams} streaming pass-through requests open (open-file limit ${results.fdLimit ?? 'unknown'})`);
  write(`  ${results.opened} opened, ${results.failed} failed, all open after ${(results.openingMs / 1000).toFixed(1)} s`);
  write(`                        probes non-200  /health p50     p95     max    event-loop delay p50   p99     max`);
  write(row('nothing else running', results.healthIdleMs));
  write(row('while opening', results.healthWhileOpeningMs, results.eventLoopDelayWhileOpeningMs));
  write(row('while open', results.healthWhileOpenMs, results.eventLoopDelayWhileOpenMs));
  write(row('while the clients leave', results.healthWhileClosingMs, results.eventLoopDelayWhileClosingMs));
  write(`  /api/tags asked by the model catalogue: ${results.catalogTagsRequests}; upstream requests still open after the clients left: ${results.upstreamInFlightAfterStop}`);
  const { whileOpening, whileOpen, whileClosing } = results.healthUnder100Ms;
  write(`  /health under ${TARGET_MS} ms: while open ${verdict(whileOpen)}, while opening ${verdict(whileOpening)}, while the clients leave ${verdict(whileClosing)}\n`);
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`.padStart(8);
}
