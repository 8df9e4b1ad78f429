/**
 * Issue 9: the call cache is keyed by the model's digest, not its name, so a model re-pulled under
 * the same name is asked afresh instead of answering from its predecessor's calls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { callCacheKey } from '../../src/orchestrator/service/call-cache.js';
import type { OllamaTagModel } from '../../src/types/ollama.js';
import { FIXED_NOW, postJson, startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, stagedScript, stageLog } from '../support/staged-script.js';
import { tagModel } from '../support/tag-model.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: [], maxRevisions: 0, plan: 'always' };
const question = [{ role: 'user', content: 'What is the capital of France?' }];
/** Longer than the catalogue's 5 s list cache, so the next request sees /api/tags as it is now. */
const PAST_THE_MODEL_LIST_TTL_MS = 10_000;

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('the call cache and model digests', () => {
  it('a cache hit, then the generator is re-pulled under the same name: its call reaches the simulator again', async () => {
    let clock = FIXED_NOW;
    stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE } }, now: () => clock });
    const target = stack;
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const ask = () => postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question });
    const callsSince = (from: number) => stageLog(target.simulator.requests.slice(from));

    await ask();
    expect(callsSince(0)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'verify:qwen2.5:0.5b']);

    let seen = target.simulator.requests.length;
    clock += PAST_THE_MODEL_LIST_TTL_MS;
    await ask();
    expect(callsSince(seen)).toEqual([]); // every call from the cache

    const before = await tagsDigest(target, 'llama3.2:latest');
    const after = target.simulator.repull('llama3.2');
    expect(after).not.toBe(before);
    seen = target.simulator.requests.length;
    clock += PAST_THE_MODEL_LIST_TTL_MS;
    const response = await ask();
    // The re-pulled generator is asked again; the planner and the verifier (same digest, and the same
    // draft to judge) still answer from the cache.
    expect(callsSince(seen)).toEqual(['generate:llama3.2']);
    expect(response.status).toBe(200);
  });

  it('no digest, no caching: a model the catalogue lacks, a blank digest, or a failed /api/tags', async () => {
    const signal = new AbortController().signal;
    const withDigest = (digest: string) => ({ find: async (): Promise<OllamaTagModel> => ({ ...tagModel('llama3.2:latest', '3.2B'), digest }) });
    expect(await callCacheKey(withDigest('abc123'), 'llama3.2', 'hash', signal)).toBe('abc123:hash');
    expect(await callCacheKey(withDigest(''), 'llama3.2', 'hash', signal)).toBeUndefined();
    expect(await callCacheKey({ find: async () => undefined }, 'llama3.2', 'hash', signal)).toBeUndefined();
    const unreachable = { find: async (): Promise<OllamaTagModel | undefined> => Promise.reject(new Error('connect ECONNREFUSED')) };
    expect(await callCacheKey(unreachable, 'llama3.2', 'hash', signal)).toBeUndefined();
  });
});

async function tagsDigest(target: Stack, name: string): Promise<string | undefined> {
  const tags = (await (await fetch(`${target.simulator.url}/api/tags`)).json()) as { models: { name: string; digest: string }[] };
  return tags.models.find((model) => model.name === name)?.digest;
}
