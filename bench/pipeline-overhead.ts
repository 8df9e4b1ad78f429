/**
 * Issue 11's pipeline goal: rlm's own time per model call, that is a run's wall time minus the sum
 * of its model calls' durations, divided by its calls, at most 1 ms, with every record durable
 * before the response completes.
 *
 * - In process: the real pipeline service (as `rlm ask` runs it, call cache on, the trace store on
 *   disk in a temporary directory) against models that take `RLM_BENCH_PIPELINE_MODEL_MS` (5 ms)
 *   per call and report how long they really took (pipeline-overhead-world.ts). This is the loop's
 *   own time: prompts, checks, hashing and sealing, the record writes and their fsyncs.
 * - Through HTTP: the same runs as `POST /v1/chat/completions` to rlm's server, the simulator in a
 *   child process answering each chat after the same delay. A model call's duration is then the
 *   same exchange sent straight to the simulator by a bare node:http client (median, measured in
 *   the same rounds), so rlm's client, server and JSON work count as rlm's own.
 *
 * Two scenarios, one run of each in turn: "generate, verify" (approved at once, 2 calls) and
 * "plan, generate, verify, revise, verify" (5 calls). Medians over the runs; fsyncs and writes
 * per run (means) are counted by wrapping node:fs.
 */
import { fork } from 'node:child_process';
import { statfs } from 'node:fs/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseChatRequest } from '../src/api/chat/chat-request.js';
import type { Retrieval } from '../src/index/retrieval.js';
import { parseRlmConfig } from '../src/orchestrator/profiles/profile-config.js';
import { createPipelineService, type PipelineService } from '../src/orchestrator/service/pipeline-service.js';
import { loadPrompts } from '../src/prompts/load.js';
import { startServer } from '../src/server/app.js';
import type { Profile } from '../src/types/profile.js';
import { newId } from '../src/utils/ids.js';
import { createLogger, silentLogger } from '../src/utils/logger.js';
import { testConfig } from '../test/support/stack.js';
import { SIMULATED_GENERATOR, SIMULATED_STAGE_MODEL } from './pipeline-overhead-simulator.js';
import { countFileCalls, createTimedClient, GENERATOR, PLANNER, REVISING_QUESTION, timedCatalog, VERIFIER, type FileCalls } from './pipeline-overhead-world.js';
import type { Benchmark, BenchmarkContext } from './run.js';

const GOAL_MS = 1;

interface Scenario {
  name: string;
  calls: number;
  profile: Record<string, unknown>;
  question: (index: number) => string;
}

const SCENARIOS: Scenario[] = [
  { name: 'generate, verify', calls: 2, profile: { plan: 'never' }, question: (index) => `What is the answer to question ${index}?` },
  {
    name: 'plan, generate, verify, revise, verify',
    calls: 5,
    profile: { plan: 'always' },
    question: (index) => `What is the answer to question ${index}, ${REVISING_QUESTION}?`,
  },
];

const noRetrieval: Retrieval = {
  search: async () => {
    throw new Error('the pipeline-overhead benchmark uses no index');
  },
};

export interface RunSample {
  wallMs: number;
  modelMs: number;
  calls: number;
  cpuMs: number;
  syncs: number;
  writes: number;
}

export interface ScenarioFigures {
  scenario: string;
  runs: number;
  callsPerRun: number;
  wallMsPerRun: number;
  modelMsPerRun: number;
  ownMsPerRun: number;
  ownMsPerCall: number;
  ownMsPerCallP90: number;
  cpuMsPerCall: number;
  syncsPerRun: number;
  writesPerRun: number;
}

export const pipelineOverheadBenchmark: Benchmark = {
  name: 'pipeline-overhead',
  async run(context) {
    const modelMs = positive(process.env.RLM_BENCH_PIPELINE_MODEL_MS, 5);
    const runs = positive(process.env.RLM_BENCH_PIPELINE_RUNS, 150);
    const httpRuns = positive(process.env.RLM_BENCH_PIPELINE_HTTP_RUNS, Math.max(1, Math.round(runs / 3)));
    const base = process.env.RLM_BENCH_DIR ?? tmpdir();
    const directory = await mkdtemp(join(base, 'rlm-bench-pipeline-'));
    try {
      const fileSystem = await fileSystemName(directory);
      const fileCalls = await countFileCalls();
      const only = process.env.RLM_BENCH_PIPELINE_ONLY;
      let inProcess: ScenarioFigures[] = [];
      if (only !== 'http') {
        context.progress(`pipeline overhead in process: ${runs} runs per scenario, models take ${modelMs} ms (${fileSystem})`);
        inProcess = await measureInProcess(join(directory, 'in-process'), modelMs, runs, fileCalls);
      }
      let http: ScenarioFigures[] | undefined;
      let directMs: number | undefined;
      if (only !== 'in-process') {
        context.progress(`pipeline overhead through HTTP: ${httpRuns} runs per scenario, simulator in a child process`);
        ({ figures: http, directMs } = await measureHttp(join(directory, 'http'), modelMs, httpRuns, fileCalls));
      }
      const worst = Math.max(...inProcess.map((figures) => figures.ownMsPerCall));
      const result = { modelMs, fileSystem, goalMs: GOAL_MS, goalMet: inProcess.length > 0 && worst <= GOAL_MS, inProcess, http, directMs };
      if (!context.json) write(context, result);
      return result;
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  },
};

async function measureInProcess(dataDir: string, modelMs: number, runs: number, fileCalls: () => FileCalls): Promise<ScenarioFigures[]> {
  const prompts = await loadPrompts();
  const ollama = createTimedClient(modelMs);
  const profiles = Object.fromEntries(SCENARIOS.map((scenario, index) => [`s${index}`, worldProfile(scenario)]));
  const fileConfig = parseRlmConfig({ profiles }, 'bench/pipeline-overhead.ts');
  const service = createPipelineService({
    fileConfig,
    dataDir,
    ollama,
    models: timedCatalog(),
    prompts,
    retrieval: noRetrieval,
    logger: silentLogger,
    numCtx: 8192,
    now: Date.now,
    newId,
  });
  // Startup prunes old traces in the background; let it finish before measuring.
  await service.traces.prune();
  const samples: RunSample[][] = SCENARIOS.map(() => []);
  const warmUp = Math.min(20, runs);
  for (let round = 0; round < warmUp + runs; round++) {
    for (const [index, scenario] of SCENARIOS.entries()) {
      const profile = fileConfig.profiles[`s${index}`] as Profile;
      const before = { model: ollama.modelMs, calls: ollama.calls, cpu: process.cpuUsage(), files: fileCalls() };
      const started = performance.now();
      const result = await runOnce(service, profile, `s${index}`, scenario.question(round));
      const wallMs = performance.now() - started;
      const cpu = process.cpuUsage(before.cpu);
      const files = fileCalls();
      const calls = ollama.calls - before.calls;
      if (result.status !== 'completed' || calls !== scenario.calls) {
        throw new Error(`scenario "${scenario.name}": a run ended ${result.status} after ${calls} model calls, expected completed after ${scenario.calls}`);
      }
      if (round < warmUp) continue;
      samples[index]?.push({
        wallMs,
        modelMs: ollama.modelMs - before.model,
        calls,
        cpuMs: (cpu.user + cpu.system) / 1000,
        syncs: files.syncs - before.files.syncs,
        writes: files.writes - before.files.writes,
      });
    }
  }
  await service.traces.settle();
  return SCENARIOS.map((scenario, index) => figuresOf(scenario.name, samples[index] ?? []));
}

async function runOnce(service: PipelineService, profile: Profile, model: string, question: string): Promise<{ status: string }> {
  const request = parseChatRequest({ model, messages: [{ role: 'user', content: question }] });
  const { summary } = await service.run({ runId: service.newRunId(), profile, requestedModel: model, request, signal: new AbortController().signal });
  return summary;
}

function worldProfile(scenario: Scenario): Record<string, unknown> {
  return { planner: PLANNER, generator: GENERATOR, verifier: VERIFIER, ladder: [], maxRevisions: 1, progress: false, ...scenario.profile };
}

async function measureHttp(directory: string, modelMs: number, runs: number, fileCalls: () => FileCalls): Promise<{ figures: ScenarioFigures[]; directMs: number }> {
  const simulator = await startSimulatorProcess(modelMs);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const profiles = Object.fromEntries(
    SCENARIOS.map((scenario, index) => [
      `s${index}`,
      { planner: SIMULATED_STAGE_MODEL, generator: SIMULATED_GENERATOR, verifier: SIMULATED_STAGE_MODEL, ladder: [], maxRevisions: 1, progress: false, ...scenario.profile },
    ]),
  );
  await writeFile(join(directory, '..', 'rlm.config.json'), JSON.stringify({ profiles }));
  const server = await startServer(testConfig({ ollamaUrl: simulator.url, dataDir: directory, logLevel: 'info' }), {
    // The default level, as a server runs: each request's line is built, then dropped.
    logger: createLogger({ level: 'info', write: () => {} }),
    cwd: join(directory, '..'),
  });
  try {
    await server.app.pipeline.traces.prune();
    const direct: number[] = [];
    const samples: RunSample[][] = SCENARIOS.map(() => []);
    const warmUp = Math.min(10, runs);
    const directBody = JSON.stringify({ model: SIMULATED_GENERATOR, stream: true, messages: [{ role: 'user', content: 'What is the answer to question 0?' }] });
    for (let round = 0; round < warmUp + runs; round++) {
      // The model call without rlm: the same kind of exchange, straight to the simulator.
      for (let call = 0; call < 2; call++) {
        const started = performance.now();
        await post(agent, `${simulator.url}/api/chat`, directBody);
        if (round >= warmUp) direct.push(performance.now() - started);
      }
      for (const [index, scenario] of SCENARIOS.entries()) {
        const body = JSON.stringify({ model: `s${index}`, messages: [{ role: 'user', content: scenario.question(round) }] });
        const before = { cpu: process.cpuUsage(), files: fileCalls() };
        const started = performance.now();
        const answer = await post(agent, `${server.url}/v1/chat/completions`, body);
        const wallMs = performance.now() - started;
        const cpu = process.cpuUsage(before.cpu);
        const files = fileCalls();
        const rlm = (JSON.parse(answer.body) as { rlm?: { approved?: boolean } }).rlm;
        if (answer.status !== 200 || rlm?.approved !== true) throw new Error(`scenario "${scenario.name}" through HTTP: ${answer.status} ${answer.body.slice(0, 300)}`);
        if (round < warmUp) continue;
        samples[index]?.push({ wallMs, modelMs: 0, calls: scenario.calls, cpuMs: (cpu.user + cpu.system) / 1000, syncs: files.syncs - before.files.syncs, writes: files.writes - before.files.writes });
      }
    }
    const directMs = median(direct);
    const figures = SCENARIOS.map((scenario, index) =>
      figuresOf(scenario.name, (samples[index] ?? []).map((sample) => ({ ...sample, modelMs: sample.calls * directMs }))),
    );
    return { figures, directMs };
  } finally {
    agent.destroy();
    await server.close(0);
    await simulator.stop();
  }
}

function post(agent: Agent, url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function startSimulatorProcess(modelMs: number): Promise<{ url: string; stop(): Promise<void> }> {
  const child = fork(fileURLToPath(new URL('./pipeline-overhead-simulator.ts', import.meta.url)), [String(modelMs)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { type: string; url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`the simulator process exited (${code}) before it was ready`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

export function figuresOf(scenario: string, samples: readonly RunSample[]): ScenarioFigures {
  const own = samples.map((sample) => (sample.wallMs - sample.modelMs) / sample.calls);
  const calls = samples[0]?.calls ?? 0;
  return {
    scenario,
    runs: samples.length,
    callsPerRun: calls,
    wallMsPerRun: median(samples.map((sample) => sample.wallMs)),
    modelMsPerRun: median(samples.map((sample) => sample.modelMs)),
    ownMsPerRun: median(samples.map((sample) => sample.wallMs - sample.modelMs)),
    ownMsPerCall: median(own),
    ownMsPerCallP90: percentile(own, 0.9),
    cpuMsPerCall: median(samples.map((sample) => sample.cpuMs / sample.calls)),
    // Means: a flush shared by several runs (the ledger's) counts as a fraction of one per run.
    syncsPerRun: mean(samples.map((sample) => sample.syncs)),
    writesPerRun: mean(samples.map((sample) => sample.writes)),
  };
}

function write(context: BenchmarkContext, result: { modelMs: number; fileSystem: string; inProcess: ScenarioFigures[]; http: ScenarioFigures[] | undefined; directMs: number | undefined; goalMet: boolean }): void {
  const header =
    '| scenario | calls per run | wall per run | model calls | own per run | own per call (p90) | own CPU per call | fsyncs per run (mean) | writes per run (mean) |\n' +
    '|---|---|---|---|---|---|---|---|---|';
  const row = (figures: ScenarioFigures): string =>
    `| ${figures.scenario} | ${figures.callsPerRun} | ${ms(figures.wallMsPerRun)} | ${ms(figures.modelMsPerRun)} | ${ms(figures.ownMsPerRun)} | ` +
    `**${ms(figures.ownMsPerCall)}** (${ms(figures.ownMsPerCallP90)}) | ${ms(figures.cpuMsPerCall)} | ${figures.syncsPerRun} | ${figures.writesPerRun} |`;
  const worst = Math.max(...result.inProcess.map((figures) => figures.ownMsPerCall));
  let text = `## Pipeline overhead (models take ${result.modelMs} ms a call; traces on ${result.fileSystem})\n`;
  if (result.inProcess.length > 0) {
    text +=
      `\nIn process, the real pipeline service, medians of ${result.inProcess[0]?.runs ?? 0} runs each:\n\n${header}\n${result.inProcess.map(row).join('\n')}\n\n` +
      `Goal, own time per model call at most ${GOAL_MS} ms: ${result.goalMet ? 'met' : 'not met'} (${ms(worst)} in the costlier scenario)\n`;
  }
  if (result.http !== undefined && result.directMs !== undefined) {
    text +=
      `\nThrough HTTP (rlm's server, the simulator in a child process; a model call counts as the ${ms(result.directMs)} ` +
      `the same chat takes straight to the simulator), medians of ${result.http[0]?.runs ?? 0} runs each:\n\n${header}\n${result.http.map(row).join('\n')}\n`;
  }
  context.write(text);
}

/** The file system the traces are written to: fsyncs cost nothing on tmpfs, so say which it is. */
async function fileSystemName(directory: string): Promise<string> {
  const names: Record<number, string> = { 0xef53: 'ext4', 0x01021994: 'tmpfs', 0x9123683e: 'btrfs', 0x58465342: 'xfs', 0x794c7630: 'overlayfs', 0x2fc12fc1: 'zfs', 0x1021997: 'v9fs' };
  try {
    const { type } = await statfs(directory);
    const name = names[type] ?? `file system type 0x${type.toString(16)}`;
    return type === 0x01021994 ? `${name}: fsyncs cost nothing here, set RLM_BENCH_DIR to a disk` : name;
  } catch {
    return 'an unknown file system';
  }
}

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

function positive(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.round((values.reduce((sum, value) => sum + value, 0) / values.length) * 100) / 100;
}

function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** Nearest rank; the median of an even count is the mean of the middle two. */
function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  if (fraction === 0.5) {
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  }
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}
