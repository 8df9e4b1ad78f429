/**
 * What rlm adds to an autocomplete request: the same streaming fill-in-the-middle request sent
 * straight to the Ollama simulator's /api/generate and through rlm's /v1/completions, one at a time,
 * time to first byte and to the end of the stream. The simulator answers instantly, so the
 * difference is rlm's own latency (parse, check the model from cache, map, re-frame as SSE).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/server/app.js';
import { resolveConfig } from '../src/server/config.js';
import { createLogger } from '../src/utils/logger.js';
import { startSimulator } from '../test/simulator/index.js';
import type { Benchmark } from './run.js';

const WARM_UP = 50;
const MEASURED = 500;
const PROMPT = '<|fim_prefix|>function add(a, b) {\n  <|fim_suffix|>\n}<|fim_middle|>';

export const proxyOverheadBenchmark: Benchmark = {
  name: 'proxy-overhead',
  async run(context) {
    const simulator = await startSimulator();
    simulator.script('qwen2.5-coder:1.5b', 'return a + b;');
    const directory = await mkdtemp(join(tmpdir(), 'rlm-bench-proxy-'));
    const config = resolveConfig(new Map([['--port', '0']]), { OLLAMA_HOST: simulator.url, RLM_DATA_DIR: join(directory, 'data') });
    const server = await startServer(config, { logger: createLogger({ level: 'silent' }), cwd: directory });
    try {
      const direct = () =>
        timed(`${simulator.url}/api/generate`, { model: 'qwen2.5-coder:1.5b', prompt: PROMPT, raw: true, stream: true, options: { num_predict: 16 } });
      const proxied = () =>
        timed(`${server.url}/v1/completions`, { model: 'qwen2.5-coder:1.5b', prompt: PROMPT, max_tokens: 16, stream: true });
      context.progress(`${WARM_UP} warm-up and ${MEASURED} measured requests each, one at a time`);
      for (let index = 0; index < WARM_UP; index++) {
        await direct();
        await proxied();
      }
      const directTimes: Timing[] = [];
      const proxiedTimes: Timing[] = [];
      for (let index = 0; index < MEASURED; index++) {
        directTimes.push(await direct());
        proxiedTimes.push(await proxied());
      }
      const results = {
        requests: MEASURED,
        directFirstByteMs: median(directTimes.map((time) => time.firstByte)),
        proxiedFirstByteMs: median(proxiedTimes.map((time) => time.firstByte)),
        directTotalMs: median(directTimes.map((time) => time.total)),
        proxiedTotalMs: median(proxiedTimes.map((time) => time.total)),
        proxiedTotalP95Ms: percentile(proxiedTimes.map((time) => time.total), 0.95),
      };
      const added = round(results.proxiedTotalMs - results.directTotalMs);
      if (!context.json) {
        context.write(`Autocomplete through rlm vs straight to the simulator (${MEASURED} streaming requests each, medians)`);
        context.write(`                      first byte    whole stream`);
        context.write(`  simulator directly   ${pad(results.directFirstByteMs)}    ${pad(results.directTotalMs)}`);
        context.write(`  through rlm          ${pad(results.proxiedFirstByteMs)}    ${pad(results.proxiedTotalMs)}   (p95 ${results.proxiedTotalP95Ms} ms)`);
        context.write(`  rlm adds             ${added} ms per request\n`);
      }
      return { ...results, addedMs: added };
    } finally {
      await server.close(0);
      await simulator.close();
      await rm(directory, { recursive: true, force: true });
    }
  },
};

interface Timing {
  firstByte: number;
  total: number;
}

async function timed(url: string, body: unknown): Promise<Timing> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let firstByte = 0;
  for (;;) {
    const { done } = await reader.read();
    if (firstByte === 0) firstByte = performance.now() - started;
    if (done) break;
  }
  return { firstByte, total: performance.now() - started };
}

function median(values: number[]): number {
  return percentile(values, 0.5);
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function pad(value: number): string {
  return `${value.toFixed(2)} ms`.padStart(10);
}
