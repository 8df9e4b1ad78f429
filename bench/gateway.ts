/**
 * The gateway benchmark (issue 11): what rlm's pass-through costs beside the cheapest Node hop that
 * does the same translation. Three processes, each alone on its event loop: the Ollama simulator
 * with no model delay, rlm (startServer, default log level "info", lines discarded) and the minimal
 * translating proxy of bench/minimal-proxy.ts. This process drives each with bench/load.ts, in
 * interleaved rounds (the targets' order rotating), and reports medians over the rounds: latency
 * added at c=1 over the simulator asked directly, throughput at c=32 and c=128, time to the first
 * streamed content, the hop's own CPU time per request (its process's cpuUsage over the run divided
 * by the requests: no generator or simulator work is in it), and embeddings missing and hitting
 * rlm's cache. Each goal of the issue is printed as met or not, with its ratio. rlm runs from
 * dist/ when it is current (bench/gateway-processes.ts), as users run it.
 */
import { scenarios, TARGETS, type Scenario, type TargetName } from './gateway-scenarios.js';
import { prepareHops, startTarget, type TargetProcess } from './gateway-processes.js';
import { evaluateGoals, formatGatewayReport, type GatewayFigures } from './gateway-table.js';
import { CHAT_REPLY, EMBED_MODEL } from './gateway-world.js';
import { runLoad } from './load.js';
import type { Benchmark } from './run.js';

const ROUNDS = Number(process.env.RLM_BENCH_ROUNDS ?? 3);
/** How long each throughput run lasts, after its own warm-up. */
const DURATION_MS = Number(process.env.RLM_BENCH_GATEWAY_MS ?? 2000);
const WARM_UP_MS = 300;
const LATENCY_REQUESTS = 300;
const EMBED_REQUESTS = 20;
/** `RLM_BENCH_GATEWAY_ONLY="stream c=32,chat c=32"` runs only those scenarios (to profile one path). */
const ONLY = process.env.RLM_BENCH_GATEWAY_ONLY?.split(',').map((key) => key.trim());

export interface RunFigures {
  requests: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  firstContentP50Ms?: number;
  /** The hop's CPU time per request (not for `direct`), when the scenario asks for it. */
  hopCpuMs?: number;
  simulatorCpuMs: number;
}

export const gatewayBenchmark: Benchmark = {
  name: 'gateway',
  async run(context) {
    const build = await prepareHops();
    context.progress(`starting the simulator, the minimal proxy and rlm, each in its own process: ${build.note}`);
    const simulator = await startTarget('simulator', undefined);
    const hops: Partial<Record<TargetName, TargetProcess>> = {};
    try {
      hops.proxy = await startTarget('proxy', build, { upstream: simulator.url });
      hops.rlm = await startTarget('rlm', build, { upstream: simulator.url });
      const urls: Record<TargetName, string> = { direct: simulator.url, proxy: hops.proxy.url, rlm: hops.rlm.url };
      await checkAnswers(urls);
      const list = scenarios(LATENCY_REQUESTS, EMBED_REQUESTS).filter((scenario) => ONLY === undefined || ONLY.includes(scenario.key));
      const runs: Record<string, Record<TargetName, RunFigures[]>> = {};
      for (let round = 0; round < ROUNDS; round++) {
        for (const scenario of list) {
          context.progress(`round ${round + 1} of ${ROUNDS}: ${scenario.key}`);
          const order = TARGETS.map((_, index) => TARGETS[(index + round) % TARGETS.length] as TargetName);
          for (const target of order) {
            const figures = await measure(scenario, target, urls[target], simulator, hops[target]);
            ((runs[scenario.key] ??= { direct: [], proxy: [], rlm: [] })[target]).push(figures);
          }
        }
      }
      const figures: GatewayFigures = { rounds: ROUNDS, durationMs: DURATION_MS, from: build.from, note: build.note, runs };
      const goals = evaluateGoals(figures);
      if (!context.json) context.write(formatGatewayReport(figures, goals));
      return { rounds: ROUNDS, durationMs: DURATION_MS, from: build.from, runs, goals };
    } finally {
      for (const hop of Object.values(hops)) await hop.stop();
      await simulator.stop();
      await build.dispose();
    }
  },
};

async function measure(scenario: Scenario, target: TargetName, base: string, simulator: TargetProcess, hop: TargetProcess | undefined): Promise<RunFigures> {
  await simulator.reset();
  const shape = (request: ReturnType<Scenario['request']>) => ({
    url: `${base}${request.path}`,
    body: request.body,
    concurrency: scenario.concurrency,
    ...(request.firstContent !== undefined && { firstContent: request.firstContent }),
  });
  // A warm-up of its own (new bodies for the cache-missing scenario), so each run starts warm.
  const warmUp = shape(scenario.request(target));
  if (scenario.requests !== undefined) await runLoad({ ...warmUp, requests: Math.max(5, Math.min(30, scenario.requests / 8)) });
  else await runLoad({ ...warmUp, durationMs: WARM_UP_MS });

  const measured = shape(scenario.request(target));
  const hopBefore = scenario.cpu && hop !== undefined ? await hop.cpuMs() : 0;
  const simulatorBefore = await simulator.cpuMs();
  const result = await runLoad(scenario.requests !== undefined ? { ...measured, requests: scenario.requests } : { ...measured, durationMs: DURATION_MS });
  const simulatorAfter = await simulator.cpuMs();
  const hopAfter = scenario.cpu && hop !== undefined ? await hop.cpuMs() : 0;
  const figures: RunFigures = {
    requests: result.requests,
    errors: result.errors,
    perSecond: result.perSecond,
    p50Ms: result.latencyMs.p50,
    p99Ms: result.latencyMs.p99,
    simulatorCpuMs: (simulatorAfter - simulatorBefore) / Math.max(1, result.requests),
  };
  if (result.firstContentMs !== undefined) figures.firstContentP50Ms = result.firstContentMs.p50;
  if (scenario.cpu && hop !== undefined) figures.hopCpuMs = (hopAfter - hopBefore) / Math.max(1, result.requests);
  return figures;
}

/** Before timing anything: both hops give the same answers as the simulator, so like is timed against like. */
async function checkAnswers(urls: Record<TargetName, string>): Promise<void> {
  const post = async (url: string, body: unknown): Promise<string> => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`gateway benchmark: ${url} answered ${response.status}: ${text.slice(0, 300)}`);
    return text;
  };
  const messages = [{ role: 'user', content: 'Say twenty words.' }];
  for (const hop of ['proxy', 'rlm'] as const) {
    const whole = JSON.parse(await post(`${urls[hop]}/v1/chat/completions`, { model: 'llama3.2', messages })) as { choices: Array<{ message: { content: string } }> };
    const streamed = (await post(`${urls[hop]}/v1/chat/completions`, { model: 'llama3.2', messages, stream: true }))
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => (JSON.parse(line.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '')
      .join('');
    const embedded = JSON.parse(await post(`${urls[hop]}/v1/embeddings`, { model: EMBED_MODEL, input: ['a', 'b'] })) as { data: unknown[] };
    if (whole.choices[0]?.message.content !== CHAT_REPLY || streamed !== CHAT_REPLY || embedded.data.length !== 2) {
      throw new Error(`gateway benchmark: the ${hop} does not answer as expected (${JSON.stringify({ whole: whole.choices[0], streamed })})`);
    }
  }
}
