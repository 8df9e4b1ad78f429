/**
 * The server maps each run's raw confidence through its profile's stored calibration (written by
 * `rlm eval --calibrate`), says which calibration produced the number, and keeps it in the run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeCalibration } from '../../src/eval/calibration-store.js';
import { fitCalibration } from '../../src/eval/calibration-fit.js';
import { postJson, startStack, type Stack } from '../support/stack.js';
import { APPROVED, stagedScript } from '../support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: [], maxRevisions: 0, plan: 'never' };
type Rlm = { run_id: string; confidence: number; confidence_raw: number; confidence_calibration: { fitted_at: string; answers: number; task_hash: string; models: string[] } | null };

let stack: Stack | undefined;
let directory: string | undefined;
afterEach(async () => {
  await stack?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
  stack = undefined;
});

async function start(withCalibration: boolean): Promise<Stack> {
  directory = await mkdtemp(join(tmpdir(), 'rlm-calibrated-'));
  const dataDir = join(directory, 'data');
  if (withCalibration) {
    // Raw scores near 0.9 were right 60 % of the time in this (made-up) eval.
    const points = Array.from({ length: 100 }, (_, index) => ({ score: index < 50 ? 0.3 : 0.9, correct: index < 50 ? index < 10 : index < 80 }));
    await writeCalibration(dataDir, {
      profile: 'rlm',
      fittedAt: '2026-12-01T00:00:00.000Z',
      answers: 100,
      taskHash: 'abc123',
      models: ['qwen2.5:0.5b', 'llama3.2'],
      accuracy: 0.4,
      map: fitCalibration(points, { minCount: 20 }),
    });
  }
  stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE } }, config: { dataDir } });
  stack.simulator.script('qwen2.5:0.5b', stagedScript({ verify: APPROVED }));
  stack.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
  return stack;
}

const ask = (target: Stack) => postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: [{ role: 'user', content: 'Capital of France?' }] });

describe('a stored calibration', () => {
  it('maps the raw score, names the calibration in rlm, and stays with the run', async () => {
    const target = await start(true);
    const body = (await ask(target)).json() as { rlm: Rlm };
    expect(body.rlm.confidence_raw).toBeGreaterThan(0.9);
    expect(body.rlm.confidence).toBe(0.6);
    expect(body.rlm.confidence_calibration).toEqual({ fitted_at: '2026-12-01T00:00:00.000Z', answers: 100, task_hash: 'abc123', models: ['qwen2.5:0.5b', 'llama3.2'] });
    const run = (await (await fetch(`${target.url}/v1/rlm/runs/${body.rlm.run_id}`)).json()) as { summary?: { confidence: number; calibration: unknown } };
    expect(JSON.stringify(run)).toContain('"confidence":0.6');
  });

  it('without one, the raw score is the confidence and the calibration is null', async () => {
    const target = await start(false);
    const body = (await ask(target)).json() as { rlm: Rlm };
    expect(body.rlm.confidence_calibration).toBeNull();
    expect(body.rlm.confidence).toBe(body.rlm.confidence_raw);
  });
});
