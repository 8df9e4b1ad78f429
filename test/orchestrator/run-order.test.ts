/**
 * Runs list newest first by start time. Run ids carry only the start second and a random tail, so
 * runs of one second must be ordered by their headers: startedAt, then the start sequence.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newRunId } from '../../src/orchestrator/service/run-id.js';
import { compareStart, startKeyOf } from '../../src/orchestrator/traces/run-order.js';
import { createTraceStore, type TraceStore } from '../../src/orchestrator/traces/trace-store.js';
import { postJson, startStack } from '../support/stack.js';
import { APPROVED, planReply, stagedScript } from '../support/staged-script.js';
import { seededRandom } from '../support/seeded-random.js';
import { writeRun } from './trace-fixtures.js';

const SECOND = Date.UTC(2026, 10, 24, 12, 0, 0);

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rlm-run-order-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const store = (): TraceStore => createTraceStore({ dataDir, retentionDays: 0, liveness: { pid: 7, bootTime: 0, isAlive: () => false } });

/** Random 8-character tails, so id order within a second says nothing about start order. */
function randomTails(seed: number): () => string {
  const random = seededRandom(seed);
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  return () => Array.from({ length: 8 }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
}

async function allPages(traces: TraceStore, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await traces.list({ limit, ...(before !== undefined ? { before } : {}) });
    seen.push(...page.runs.map((run) => run.header.runId));
    if (page.next === null) return seen;
    before = page.next;
  }
}

describe('run order', () => {
  it('lists 40 runs started within one second newest first, by startedAt and then start order, whatever their ids', async () => {
    const tails = randomTails(9);
    const created: string[] = [];
    for (let index = 0; index < 40; index++) {
      const runId = newRunId(SECOND + index * 10, tails);
      // Most in the same millisecond (a fixed clock, or a burst): only the start sequence tells them apart.
      const startedAt = new Date(SECOND + (index < 30 ? 0 : index * 10)).toISOString();
      await writeRun(store(), runId, { startedAt });
      created.push(runId);
    }
    const newestFirst = [...created].reverse();
    expect([...created].sort()).not.toEqual(created); // the ids alone would list them in another order

    expect((await store().list({ limit: 1 })).runs.map((run) => run.header.runId)).toEqual([newestFirst[0]]);
    expect((await store().list({ limit: 40 })).runs.map((run) => run.header.runId)).toEqual(newestFirst);
    expect(await allPages(store(), 7)).toEqual(newestFirst);
  });

  it('orders whole seconds by the id, then startedAt, then startSeq, then the id', () => {
    const key = (runId: string, startedAt: string, startSeq?: number) => startKeyOf(runId, { startedAt, ...(startSeq === undefined ? {} : { startSeq }) });
    const a = key('run-20261124T120000Z-zzzzzzzz', '2026-11-24T12:00:00.900Z', 5);
    const b = key('run-20261124T120001Z-00000000', '2026-11-24T12:00:01.000Z', 0);
    const c = key('run-20261124T120001Z-zzzzzzzz', '2026-11-24T12:00:01.000Z', 1);
    const d = key('run-20261124T120001Z-11111111', '2026-11-24T12:00:01.001Z', 0);
    expect([d, c, b, a].sort(compareStart)).toEqual([a, b, c, d]);
    // Old headers without a start sequence fall back on the id.
    expect(compareStart(key('run-20261124T120001Z-aaaaaaaa', '2026-11-24T12:00:01.000Z'), key('run-20261124T120001Z-bbbbbbbb', '2026-11-24T12:00:01.000Z'))).toBeLessThan(0);
  });

  it('GET /v1/rlm/runs lists runs of one second (a fixed clock) in the order they were made', async () => {
    const stack = await startStack({ rlmConfig: { profiles: { rlm: { generator: 'llama3.2', verifier: 'qwen2.5:0.5b', plan: 'never', maxRevisions: 0 } } } });
    try {
      stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: APPROVED }));
      stack.simulator.script('llama3.2', stagedScript({ generate: 'Yes.' }));
      const made: string[] = [];
      for (let index = 0; index < 12; index++) {
        const answer = await postJson(`${stack.url}/v1/chat/completions`, { model: 'rlm', messages: [{ role: 'user', content: `Question ${index}?` }] });
        expect(answer.status).toBe(200);
        made.push(answer.headers.get('x-rlm-run-id') as string);
      }
      const newest = (await (await fetch(`${stack.url}/v1/rlm/runs?limit=1`)).json()) as { data: { runId: string }[]; next: string };
      expect(newest.data.map((run) => run.runId)).toEqual([made.at(-1)]);
      const all = (await (await fetch(`${stack.url}/v1/rlm/runs?limit=100`)).json()) as { data: { runId: string; status: string }[] };
      expect(all.data.map((run) => run.runId)).toEqual([...made].reverse());
      expect(new Set(all.data.map((run) => run.status))).toEqual(new Set(['completed']));
    } finally {
      await stack.close();
    }
  });
});
