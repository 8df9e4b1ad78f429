/**
 * Every record of a pipeline run is durable before its response completes: the run file's one
 * fdatasync (covering every record, the finish included) and its directory's fsync have completed
 * before the last byte of the answer reaches the client, streaming or not. The ledger line comes
 * after, and the server's close waits for it.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordSyncs, type SyncRecorder } from '../orchestrator/fs-syncs.js';
import { ledgerFile, readLines, runFile } from '../orchestrator/trace-fixtures.js';
import { postJson, startStack, type Stack } from '../support/stack.js';
import { APPROVED, rejected, stagedScript } from '../support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: [], maxRevisions: 1, plan: 'never' };
const question = [{ role: 'user', content: 'What is the capital of France?' }];

let syncs: SyncRecorder;
let stack: Stack | undefined;
beforeAll(async () => {
  syncs = await recordSyncs();
});
afterAll(() => syncs.restore());
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(): Promise<Stack> {
  syncs.mark('started');
  stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE } } });
  stack.simulator.script('qwen2.5:0.5b', stagedScript({ verify: [rejected('Say which country.'), APPROVED] }));
  stack.simulator.script('llama3.2', stagedScript({ generate: 'Paris.', revise: 'Paris, France.' }));
  return stack;
}

/** The run file's flushes that completed before `mark`: its fdatasync at its final size, and its directory's fsync. */
function flushedBefore(target: Stack, runId: string, mark: string): { file: number[]; directory: number } {
  const path = runFile(target.dataDir, runId);
  const begin = syncs.order.lastIndexOf('started');
  const end = syncs.order.lastIndexOf(mark);
  const before = syncs.events.filter((event) => event.at > begin && event.at < end);
  return {
    file: before.filter((event) => event.ino === statSync(path).ino).map((event) => event.size - statSync(path).size),
    directory: before.filter((event) => event.ino === statSync(dirname(path)).ino).length,
  };
}

describe('a pipeline answer completes after its records are durable', () => {
  it('non-streaming: the run file was flushed whole, with its directory, before the body arrived', async () => {
    const target = await start();
    const response = await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question });
    syncs.mark('answered');
    expect(response.status).toBe(200);
    const runId = response.headers.get('x-rlm-run-id') as string;
    // One flush of the whole file: 0 bytes short of what it holds now, after the answer.
    expect(flushedBefore(target, runId, 'answered')).toEqual({ file: [0], directory: 1 });
    // The ledger line follows the answer (within the ledger's batch interval).
    await expect.poll(async () => (await readLines(ledgerFile(target.dataDir)).catch(() => [])).map((line) => line.runId)).toEqual([runId]);
  });

  it('streaming: the same, before [DONE]', async () => {
    const target = await start();
    const response = await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', stream: true, messages: question });
    syncs.mark('answered');
    expect(response.text.endsWith('data: [DONE]\n\n')).toBe(true);
    const runId = response.headers.get('x-rlm-run-id') as string;
    expect(flushedBefore(target, runId, 'answered')).toEqual({ file: [0], directory: 1 });
  });
});
