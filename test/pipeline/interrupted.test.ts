/**
 * A run cut off by a crash: its trace has no finish record and never will. The server, the runs
 * API and `rlm runs` / `rlm show` call it interrupted; a run this process is still running is not.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedRequest, Reply } from '../simulator/index.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { finished, spawnRlm } from '../support/cli.js';
import { postJson, startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, stagedScript } from '../support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', plan: 'always', maxRevisions: 0, ladder: [] };
const question = [{ role: 'user', content: 'Who pulled the plug?' }];
type RunBody = { summary: { status: string }; header: { pid?: number; request: { messages: unknown[] } } };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

/** Every stage model waits for the gate: a run stays in flight until the test opens it. */
function gated(simulator: Simulator, gate: Promise<void>): void {
  const small = stagedScript({ plan: planReply('x'), verify: APPROVED }) as (request: RecordedRequest) => Reply;
  simulator.script('qwen2.5:0.5b', async (request) => {
    await gate;
    return small(request);
  });
  simulator.script('llama3.2', stagedScript({ generate: 'Nobody.' }));
}

/** `rlm serve --port 0` in its own process, resolved once it listens. */
async function spawnServer(directory: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnRlm(['serve', '--port', '0'], directory, env);
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /"url":"(http:\/\/[^"]+)"/.exec(stderr)?.[1];
      if (found !== undefined) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`rlm serve exited (${code}) before listening: ${stderr}`)));
  });
  return { child, url };
}

describe('interrupted runs', () => {
  it('a server killed mid-run (SIGKILL) leaves its run interrupted: in the runs API after a restart, in rlm runs and rlm show', async () => {
    const gate = deferred();
    const simulator = await startSimulator();
    cleanups.push(() => simulator.close());
    cleanups.push(async () => gate.resolve());
    gated(simulator, gate.promise);
    const directory = await mkdtemp(join(tmpdir(), 'rlm-interrupted-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    await writeFile(join(directory, 'rlm.config.json'), JSON.stringify({ profiles: { rlm: PROFILE } }));
    const dataDir = join(directory, 'data');
    const env = { HOME: directory, RLM_DATA_DIR: dataDir, OLLAMA_HOST: simulator.url };

    const server = await spawnServer(directory, env);
    const exited = once(server.child, 'exit');
    cleanups.push(async () => {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    });
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'rlm', stream: true, messages: question }),
    });
    expect(response.status).toBe(200);
    const runId = response.headers.get('x-rlm-run-id') as string;
    const body = response.text().catch(() => 'cut off');
    await simulator.waitFor(() => simulator.requests.some((request) => request.path === '/api/chat'));
    server.child.kill('SIGKILL');
    await exited;
    await body;

    // The next server, in this process, over the same data directory.
    const stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE } }, config: { dataDir } });
    cleanups.push(() => stack.close());
    const run = (await (await fetch(`${stack.url}/v1/rlm/runs/${runId}`)).json()) as RunBody;
    expect(run.summary.status).toBe('interrupted');
    expect(run.header.pid).toBe(server.child.pid);
    expect(run.header.request.messages).toEqual(question);
    const list = (await (await fetch(`${stack.url}/v1/rlm/runs`)).json()) as { data: { runId: string; status: string }[] };
    expect(list.data).toEqual([expect.objectContaining({ runId, status: 'interrupted' })]);

    const runs = await finished(spawnRlm(['runs'], directory, env));
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`${runId} .* interrupted `));
    const shown = await finished(spawnRlm(['show', runId], directory, env));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('interrupted, approved no');
    expect(shown.stdout).toContain('interrupted: the process running it stopped (a crash or a kill) before it finished; it will not finish.');
  }, 60_000);

  it('a run this process is still running shows as running', async () => {
    const gate = deferred();
    const stack: Stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE } } });
    cleanups.push(() => stack.close());
    cleanups.push(async () => gate.resolve());
    gated(stack.simulator, gate.promise);
    const answer = postJson(`${stack.url}/v1/chat/completions`, { model: 'rlm', messages: question });
    await stack.simulator.waitFor(() => stack.simulator.requests.some((request) => request.path === '/api/chat'));
    const list = (await (await fetch(`${stack.url}/v1/rlm/runs`)).json()) as { data: { runId: string; status: string }[] };
    expect(list.data.map((run) => run.status)).toEqual(['running']);
    const run = (await (await fetch(`${stack.url}/v1/rlm/runs/${list.data[0]?.runId}`)).json()) as RunBody;
    expect(run.summary.status).toBe('running');
    gate.resolve();
    expect((await answer).status).toBe(200);
    const done = (await (await fetch(`${stack.url}/v1/rlm/runs/${list.data[0]?.runId}`)).json()) as RunBody;
    expect(done.summary.status).toBe('completed');
  });
});
