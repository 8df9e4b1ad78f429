/**
 * `npm run bench [-- --json] [-- <name>…]`: runs the benchmarks in order. Each prints its own
 * table; with --json nothing but one JSON object goes to stdout: the machine and every benchmark's
 * numbers under its name. Progress lines go to stderr either way.
 */
import { cpus, totalmem } from 'node:os';
import { gatewayBenchmark } from './gateway.js';
import { healthUnderLoadBenchmark } from './health-under-load.js';
import { indexBuildBenchmark } from './index-build.js';
import { memoryBenchmark } from './memory.js';
import { pipelineOverheadBenchmark } from './pipeline-overhead.js';
import { policyBenchmark } from './policy.js';
import { proxyOverheadBenchmark } from './proxy-overhead.js';
import { realModelsBenchmark } from './real-models.js';
import { retrievalBenchmark } from './retrieval.js';
import { uiRunsBenchmark } from './ui-runs.js';

export interface BenchmarkContext {
  json: boolean;
  /** The benchmark's human-readable results (stdout). Unused with --json. */
  write(text: string): void;
  /** What is happening now, for a run that takes a while (stderr). */
  progress(text: string): void;
}

export interface Benchmark {
  name: string;
  /** Prints its results unless `context.json`, and returns them for the JSON report. */
  run(context: BenchmarkContext): Promise<Record<string, unknown>>;
}

/** In the order they run. */
const BENCHMARKS: Benchmark[] = [retrievalBenchmark, indexBuildBenchmark, proxyOverheadBenchmark, gatewayBenchmark, memoryBenchmark, healthUnderLoadBenchmark, policyBenchmark, pipelineOverheadBenchmark, realModelsBenchmark, uiRunsBenchmark];

const args = process.argv.slice(2);
const json = args.includes('--json');
const selected = args.filter((argument) => !argument.startsWith('--'));
const unknown = selected.filter((name) => !BENCHMARKS.some((benchmark) => benchmark.name === name));
if (unknown.length > 0) {
  process.stderr.write(`Unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map((benchmark) => benchmark.name).join(', ')}.\n`);
  process.exit(2);
}

const processors = cpus();
const machine = {
  cpu: processors[0]?.model.trim() ?? 'unknown',
  cores: processors.length,
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
};

const context: BenchmarkContext = {
  json,
  write: (text) => void process.stdout.write(`${text}\n`),
  progress: (text) => void process.stderr.write(`… ${text}\n`),
};

if (!json) {
  context.write(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB memory, Node ${machine.node}, ${machine.platform}\n`);
}
const results: Record<string, unknown> = {};
for (const benchmark of BENCHMARKS) {
  if (selected.length > 0 && !selected.includes(benchmark.name)) continue;
  results[benchmark.name] = await benchmark.run(context);
}
if (json) process.stdout.write(`${JSON.stringify({ machine, ...results })}\n`);
