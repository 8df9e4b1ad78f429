/**
 * The web page with 10,000 runs on disk: the runs are written into a temporary data directory
 * through the real trace store (sealed, chained, fsynced, in the ledger), over ten days, then a
 * server is started on it and timed: the runs list's first page, a filtered page (status and text,
 * which reads at most 500 runs), one run as the run view asks for it (with its chain checked), the
 * models view's figures over the last 200 runs, and, when Chromium is installed, the page's time
 * from navigation to its first 50 rows. Each API figure is the median and worst of repeated asks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { newRunId } from '../src/orchestrator/service/run-id.js';
import { createTraceStore, type TraceStore } from '../src/orchestrator/traces/trace-store.js';
import { startServer } from '../src/server/app.js';
import type { AttemptRecord } from '../src/types/attempt.js';
import { hashJson } from '../src/utils/hash.js';
import { createLogger } from '../src/utils/logger.js';
import { chromiumMissing, launchChromium } from '../test/support/chromium.js';
import { testConfig } from '../test/support/stack.js';
import { startSimulator } from '../test/simulator/index.js';
import type { Benchmark } from './run.js';

const RUNS = Number(process.env.RLM_BENCH_UI_RUNS ?? 10_000);
const DAYS = 10;
const WRITERS = 32;
const REPEATS = 15;
const ANIMALS = ['otters', 'badgers', 'herons', 'voles', 'lynxes'];

type AttemptFields = Omit<AttemptRecord, 'type' | 'runId' | 'seq' | 'prevHash' | 'hash'>;

function attempt(id: string, stage: AttemptFields['stage'], startedAt: string, overrides: Partial<AttemptFields> = {}): AttemptFields {
  return {
    attemptId: id,
    parentAttemptId: null,
    stage,
    tier: 0,
    model: stage === 'finish' || stage === 'decision' ? null : 'llama3.2',
    name: null,
    promptName: null,
    promptHash: null,
    inputHash: hashJson({ id }),
    output: { content: `output of ${id}` },
    verdict: null,
    issues: [],
    verdictProbability: null,
    tokens: { prompt: 120, completion: 40 },
    durations: null,
    startedAt,
    durationMs: 300,
    cacheHit: false,
    error: null,
    ...overrides,
  };
}

/** Run `index`: mostly approved, one in seven unapproved after a rejection and a revision, one in fifty failed. */
async function writeOne(store: TraceStore, index: number, start: number): Promise<void> {
  const time = start + index * Math.floor((DAYS * 86_400_000) / RUNS);
  const runId = newRunId(time, () => index.toString(36).padStart(8, '0'));
  const at = new Date(time).toISOString();
  const question = `Question ${index} about ${ANIMALS[index % ANIMALS.length]}: what do they eat in winter?`;
  const request = { model: 'rlm', messages: [{ role: 'user', content: question }] };
  const writer = await store.startRun({ runId, startedAt: at, profile: index % 3 === 0 ? 'fast' : 'rlm', requestedModel: 'rlm', request, requestHash: hashJson(request) });
  await writer.append(attempt('a0', 'plan', at, { model: 'qwen2.5:0.5b', output: { content: 'plan', data: { strategy: 'answer briefly', checks: ['names a food'] } } }));
  await writer.append(attempt('a1', 'generate', at, { output: { content: `They eat fish, ${index}.` } }));
  const failed = index % 50 === 7;
  const unapproved = !failed && index % 7 === 3;
  if (failed) {
    await writer.append(attempt('a2', 'finish', at, { name: 'failed', output: { content: 'failed', data: {} }, error: 'upstream unreachable' }));
  } else if (unapproved) {
    await writer.append(attempt('a2', 'verify', at, { parentAttemptId: 'a1', model: 'qwen2.5:0.5b', verdict: 'REJECTED', issues: ['Too vague.'] }));
    await writer.append(attempt('a3', 'revise', at, { parentAttemptId: 'a1', output: { content: `They eat fish and frogs, ${index}.` } }));
    await writer.append(attempt('a4', 'verify', at, { parentAttemptId: 'a3', model: 'qwen2.5:0.5b', verdict: 'REJECTED', issues: ['Still vague.'] }));
    await writer.append(attempt('a5', 'finish', at, { name: 'completed', output: { content: 'completed', data: { answerAttemptId: 'a3' } } }));
  } else {
    await writer.append(attempt('a2', 'verify', at, { parentAttemptId: 'a1', model: 'qwen2.5:0.5b', verdict: 'APPROVED' }));
    await writer.append(attempt('a3', 'finish', at, { name: 'completed', output: { content: 'completed', data: { answerAttemptId: 'a1' } } }));
  }
  await writer.close();
}

async function timed(times: number, ask: () => Promise<void>): Promise<{ medianMs: number; maxMs: number }> {
  const samples: number[] = [];
  for (let round = 0; round < times; round++) {
    const started = performance.now();
    await ask();
    samples.push(performance.now() - started);
  }
  samples.sort((left, right) => left - right);
  const round1 = (value: number): number => Math.round(value * 10) / 10;
  return { medianMs: round1(samples[Math.floor(samples.length / 2)] as number), maxMs: round1(samples.at(-1) as number) };
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

export const uiRunsBenchmark: Benchmark = {
  name: 'ui-runs',
  async run(context) {
    const directory = await mkdtemp(join(tmpdir(), 'rlm-bench-ui-'));
    const dataDir = join(directory, 'data');
    const simulator = await startSimulator();
    try {
      context.progress(`writing ${RUNS} runs through the trace store`);
      const writeStarted = performance.now();
      const store = createTraceStore({ dataDir, retentionDays: 0 });
      const start = Date.now() - DAYS * 86_400_000;
      let next = 0;
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          while (next < RUNS) await writeOne(store, next++, start);
        }),
      );
      await store.settle();
      const writeSeconds = Math.round(performance.now() - writeStarted) / 1000;

      context.progress('starting the server on them');
      const server = await startServer(testConfig({ ollamaUrl: simulator.url, dataDir, logLevel: 'error' }), { logger: createLogger({ level: 'error', write: () => undefined }), cwd: directory });
      try {
        const runs = `${server.url}/v1/rlm/runs`;
        const first = await timed(REPEATS, async () => void (await getJson(`${runs}?limit=50`)));
        const page = await getJson(`${runs}?limit=50`);
        const newest = (page['data'] as { runId: string }[])[0]?.runId as string;
        const deep = await timed(REPEATS, async () => void (await getJson(`${runs}?limit=50&before=${(page['data'] as { runId: string }[])[49]?.runId}`)));
        const filteredPage = await getJson(`${runs}?limit=50&status=unapproved&q=otters`);
        const filtered = await timed(REPEATS, async () => void (await getJson(`${runs}?limit=50&status=unapproved&q=otters`)));
        const runView = await timed(REPEATS, async () => void (await getJson(`${runs}/${newest}?chain=1`)));
        const profiles = await timed(5, async () => void (await getJson(`${server.url}/v1/rlm/profiles`)));
        let pageFirstRowsMs: number | null = null;
        const missing = chromiumMissing();
        if (missing === undefined) {
          context.progress('timing the page in Chromium');
          const browser = await launchChromium();
          try {
            const samples: number[] = [];
            for (let round = 0; round < 5; round++) {
              const tab = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
              const started = performance.now();
              await tab.goto(`${server.url}/ui/#/runs`);
              await tab.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('#runs-body tr').length >= 50);
              samples.push(performance.now() - started);
              await tab.close();
            }
            samples.sort((left, right) => left - right);
            pageFirstRowsMs = Math.round(samples[2] as number);
          } finally {
            await browser.close();
          }
        }
        const results = {
          runs: RUNS,
          writeSeconds,
          firstPage: first,
          pageAfterCursor: deep,
          filteredPage: { ...filtered, matched: (filteredPage['data'] as unknown[]).length, scanned: filteredPage['scanned'] ?? null },
          runView,
          profiles,
          pageFirst50RowsMs: pageFirstRowsMs,
          ...(missing !== undefined ? { chromium: missing } : {}),
        };
        if (!context.json) {
          const line = (label: string, figure: { medianMs: number; maxMs: number }, extra = ''): void => context.write(`  ${label.padEnd(44)} ${String(figure.medianMs).padStart(7)} ms median, ${String(figure.maxMs).padStart(7)} ms worst${extra}`);
          context.write(`The web page with ${RUNS} runs on disk (written in ${writeSeconds} s through the trace store)`);
          line('GET /v1/rlm/runs?limit=50 (first page)', first);
          line('GET /v1/rlm/runs?limit=50&before=… (second)', deep);
          line('… &status=unapproved&q=otters', filtered, ` (${results.filteredPage.matched} found in ${String(results.filteredPage.scanned)} read)`);
          line('GET /v1/rlm/runs/{id}?chain=1 (run view)', runView);
          line('GET /v1/rlm/profiles (last 200 runs)', profiles);
          context.write(`  ${'page: navigation to 50 rows shown'.padEnd(44)} ${pageFirstRowsMs === null ? `skipped (${missing})` : `${String(pageFirstRowsMs).padStart(7)} ms median of 5`}\n`);
        }
        return results;
      } finally {
        await server.close(0);
      }
    } finally {
      await simulator.close();
      await rm(directory, { recursive: true, force: true });
    }
  },
};
