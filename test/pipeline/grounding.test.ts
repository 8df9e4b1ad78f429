import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../src/index/build.js';
import { createOllamaClient } from '../../src/llm/ollama-client.js';
import { postJson, startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, stagedScript, stageLog } from '../support/staged-script.js';

let stack: Stack;
let folder: string;

beforeAll(async () => {
  stack = await startStack({
    rlmConfig: {
      profiles: {
        rlm: { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', plan: 'always', index: 'project', k: 2 },
        plain: { generator: 'llama3.2', verifier: 'qwen2.5:0.5b', plan: 'never' },
      },
    },
  });
  folder = await mkdtemp(join(tmpdir(), 'rlm-grounding-'));
  await mkdir(join(folder, 'docs'));
  await writeFile(join(folder, 'notes.txt'), 'Ollama listens on port 11434 by default.\n');
  await writeFile(join(folder, 'docs', 'setup.md'), 'Install with npm install.\n\nStart the server with npm start.\n');
  await buildIndex(createOllamaClient({ baseUrl: stack.simulator.url, timeoutMs: 5000 }), {
    root: folder,
    name: 'project',
    model: 'nomic-embed-text',
    dataDir: stack.dataDir,
  });
});
afterAll(async () => {
  await stack.close();
  await rm(folder, { recursive: true, force: true });
});

describe('a profile grounded in an index', () => {
  it('puts the top-k chunks into the plan, generate and verify prompts as numbered context, and records them', async () => {
    stack.simulator.reset();
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('cites the port'), verify: APPROVED }));
    stack.simulator.script('llama3.2', stagedScript({ generate: 'Ollama listens on port 11434 [1].' }));
    const response = await postJson(`${stack.url}/v1/chat/completions`, { model: 'rlm', messages: [{ role: 'user', content: 'Which port does Ollama listen on?' }] });
    expect(response.status).toBe(200);
    expect(stageLog(stack.simulator.requests)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'verify:qwen2.5:0.5b']);
    const chats = stack.simulator.requests.filter((request) => request.path === '/api/chat').map((request) => request.body as { messages: { content: string }[] });
    const cited = '[1] notes.txt:1-1\n```\nOllama listens on port 11434 by default.\n```';
    expect(chats[0]!.messages[0]!.content).toContain(cited);
    expect(chats[1]!.messages[0]!.content).toContain(cited);
    expect(chats[2]!.messages[0]!.content).toContain(cited);

    const runId = response.headers.get('x-rlm-run-id');
    const run = (await (await fetch(`${stack.url}/v1/rlm/runs/${runId}`)).json()) as {
      attempts: { stage: string; name: string; model: string; output: { data: { chunks: { path: string; score: number }[] } } }[];
    };
    const retrieve = run.attempts[0]!;
    expect(retrieve).toMatchObject({ stage: 'retrieve', name: 'project', model: 'nomic-embed-text' });
    expect(retrieve.output.data.chunks).toHaveLength(2);
    expect(retrieve.output.data.chunks[0]).toMatchObject({ path: 'notes.txt', score: expect.any(Number) });
  });

  it('a profile without an index retrieves nothing', async () => {
    stack.simulator.reset();
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ verify: APPROVED }));
    stack.simulator.script('llama3.2', stagedScript({ generate: 'Port 11434.' }));
    await postJson(`${stack.url}/v1/chat/completions`, { model: 'plain', messages: [{ role: 'user', content: 'Which port?' }] });
    expect(stack.simulator.requests.some((request) => request.path === '/api/embed')).toBe(false);
  });
});

describe('POST /v1/rlm/search', () => {
  it('returns path, line range, score and text', async () => {
    const response = await postJson(`${stack.url}/v1/rlm/search`, { query: 'npm start the server', index: 'project', k: 1 });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({
      object: 'list',
      index: 'project',
      model: 'nomic-embed-text',
      data: [{ path: 'docs/setup.md', start_line: 1, end_line: 3, score: expect.any(Number), text: 'Install with npm install.\n\nStart the server with npm start.' }],
    });
  });

  it('the only index is the default; bad input is a 400 naming the field; an unknown index a 404', async () => {
    expect((await postJson(`${stack.url}/v1/rlm/search`, { query: 'port' })).status).toBe(200);
    const bad = await postJson(`${stack.url}/v1/rlm/search`, { query: 'port', k: 0 });
    expect(bad.status).toBe(400);
    expect((bad.json() as { error: { param: string } }).error.param).toBe('k');
    const unknown = await postJson(`${stack.url}/v1/rlm/search`, { query: 'port', index: 'other' });
    expect(unknown.status).toBe(404);
    expect((unknown.json() as { error: { message: string } }).error.message).toContain('rlm index');
  });
});
