/**
 * `rlm eval` against real Ollama and real tiny models: one small suite, single-shot and through the
 * pipeline, and a report that is complete and consistent with the results file. The models are
 * too small for their accuracy to mean anything, so only the report's bookkeeping is asserted.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finished, spawnRlm } from '../support/cli.js';
import { REAL_MODELS } from '../support/real-ollama.js';
import { realOllamaUrl, realSkipped } from './real-stack.js';

const PROFILE = {
  generator: REAL_MODELS.chat,
  verifier: REAL_MODELS.chat,
  planner: REAL_MODELS.chat,
  ladder: [],
  maxRevisions: 0,
  plan: 'never',
  stages: { generate: { num_predict: 64 } },
};
const TASKS = 4;

type Target = {
  kind: string;
  name: string;
  tasks: number;
  failed: number;
  accuracy: { successes: number; trials: number; low: number | null; high: number | null };
  callsPerRequest: number | null;
  wallMsP50: number | null;
  confidence: { count: number; brier: number | null };
};

describe.skipIf(realSkipped !== undefined)('rlm eval on real models', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'rlm-real-eval-'));
    await writeFile(join(directory, 'rlm.config.json'), JSON.stringify({ profiles: { rlm: PROFILE } }));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('runs the arithmetic suite single-shot and through the pipeline, with a complete report', async () => {
    const env = { HOME: directory, RLM_DATA_DIR: join(directory, 'data'), OLLAMA_HOST: realOllamaUrl() };
    const outcome = await finished(spawnRlm(['eval', 'arithmetic', '--limit', String(TASKS), '--profiles', 'rlm', '--models', REAL_MODELS.chat, '--json'], directory, env));
    expect(outcome.stderr).not.toMatch(/Error|failed/i);
    expect(outcome.code).toBe(0);
    const { report } = JSON.parse(outcome.stdout) as { report: { targets: Target[] } };
    expect(report.targets.map((target) => [target.kind, target.name, target.tasks, target.failed])).toEqual([
      ['model', REAL_MODELS.chat, TASKS, 0],
      ['profile', 'rlm', TASKS, 0],
    ]);
    for (const target of report.targets) {
      expect(target.accuracy.trials).toBe(TASKS);
      expect(target.accuracy.low).not.toBeNull();
      expect(target.wallMsP50).toBeGreaterThan(0);
    }
    const [single, pipeline] = report.targets as [Target, Target];
    expect(single.callsPerRequest).toBe(1);
    expect(pipeline.callsPerRequest).toBeGreaterThanOrEqual(2);
    expect(pipeline.confidence.count).toBe(TASKS);
    expect(pipeline.confidence.brier).not.toBeNull();

    // The results file holds exactly what the report counted.
    const [id] = await readdir(join(directory, 'data', 'eval'));
    const lines = (await readFile(join(directory, 'data', 'eval', id!, 'results.jsonl'), 'utf8')).trim().split('\n');
    const results = lines.map((line) => JSON.parse(line) as { targetKind: string; correct: boolean });
    expect(results).toHaveLength(2 * TASKS);
    for (const target of report.targets) expect(results.filter((result) => result.targetKind === target.kind && result.correct).length).toBe(target.accuracy.successes);
  }, 300_000);
});
