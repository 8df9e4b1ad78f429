/**
 * `rlm eval` as a user runs it: a real `rlm` process against an in-process simulator whose
 * generator answers "What is A + B?" right or wrong by a rule the test knows, and whose verifier
 * reads the draft. The report, resuming after a kill, a bad task file, and --calibrate.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RecordedRequest, type Simulator } from './simulator/index.js';
import { finished, spawnRlm } from './support/cli.js';
import { APPROVED, rejected, stageOf } from './support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: [], maxRevisions: 0, plan: 'never' };

let simulator: Simulator;
let directory: string;
beforeAll(async () => {
  simulator = await startSimulator();
});
afterAll(() => simulator.close());
beforeEach(async () => {
  simulator.reset();
  directory = await mkdtemp(join(tmpdir(), 'rlm-eval-'));
  await writeFile(join(directory, 'rlm.config.json'), JSON.stringify({ profiles: { rlm: PROFILE } }));
  scriptWorld(simulator);
});
afterEach(() => rm(directory, { recursive: true, force: true }));

/** The last user message of a chat request: for a verify request, the verifier's prompt. */
function lastUserText(request: RecordedRequest): string {
  const messages = (request.body as { messages?: { role: string; content: string }[] }).messages ?? [];
  return messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
}

/** Right when A is not a multiple of 3; the verifier approves a draft exactly when it is right. */
function scriptWorld(target: Simulator): void {
  target.script('llama3.2', (request) => {
    const [, a, b] = /What is (\d+) \+ (\d+)\?/.exec(lastUserText(request)) ?? [];
    const sum = Number(a) + Number(b) + (Number(a) % 3 === 0 ? 1 : 0);
    return `Answer: ${sum}`;
  });
  target.script('qwen2.5:0.5b', (request) => {
    if (stageOf(request) !== 'verify') throw new Error('only the verifier is scripted');
    const text = lastUserText(request);
    const [, a, b] = /What is (\d+) \+ (\d+)\?/.exec(text) ?? [];
    const drafted = /Answer: (\d+)/.exec(text.slice(text.lastIndexOf('Answer:')))?.[1];
    return Number(drafted) === Number(a) + Number(b) ? APPROVED : rejected('The sum is wrong.');
  });
}

async function writeTasks(count: number, name = 'sums.jsonl'): Promise<string> {
  const lines = Array.from({ length: count }, (_, index) => JSON.stringify({ id: `t${index}`, prompt: `What is ${index + 1} + 10?`, expected: index + 11, match: 'number' }));
  const path = join(directory, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

const env = (target: Simulator) => ({ HOME: directory, RLM_DATA_DIR: join(directory, 'data'), OLLAMA_HOST: target.url });
const run = (args: string[], target = simulator) => finished(spawnRlm(['eval', ...args], directory, env(target)));

type Report = { report: { targets: { kind: string; name: string; tasks: number; accuracy: { successes: number; trials: number }; falseApproval: { trials: number } }[] }; out: string; calibrated: string[] };

describe('rlm eval', () => {
  it('asks every task single-shot and through the profile, and reports each target', async () => {
    const tasks = await writeTasks(6);
    const outcome = await run([tasks, '--profiles', 'rlm', '--models', 'llama3.2', '--json']);
    expect(outcome.stderr).not.toContain('Error');
    expect(outcome.code).toBe(0);
    const { report, out } = JSON.parse(outcome.stdout) as Report;
    // A = 1..6: wrong for 3 and 6.
    expect(report.targets.map((target) => [target.kind, target.name, target.accuracy.successes, target.accuracy.trials])).toEqual([
      ['model', 'llama3.2', 4, 6],
      ['profile', 'rlm', 4, 6],
    ]);
    expect(report.targets[1]!.falseApproval.trials).toBe(2);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
  });

  it('a bad task file stops it before anything is asked, naming the file, line and field', async () => {
    const path = join(directory, 'bad.jsonl');
    await writeFile(path, `${JSON.stringify({ id: 'a', prompt: 'x', expected: 1, match: 'number' })}\n${JSON.stringify({ id: 'b', prompt: 'y', match: 'nearly' })}\n`);
    const outcome = await run([path]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('bad.jsonl:2');
    expect(outcome.stderr).toContain('match');
    expect(simulator.requests.filter((request) => request.path === '/api/chat')).toEqual([]);
  });

  it('resumes after a kill: the tasks whose results were written are not asked again', async () => {
    const slow = await startSimulator({ tokenLatencyMs: 40 });
    scriptWorld(slow);
    try {
      const tasks = await writeTasks(12);
      const child = spawnRlm(['eval', tasks, '--profiles', 'rlm', '--models', 'llama3.2'], directory, env(slow));
      const ended = finished(child);
      const results = async (): Promise<string[]> => {
        const text = await readFile(await resultsPath(), 'utf8').catch(() => '');
        return text.split('\n').filter((line) => line.trim() !== '');
      };
      const resultsPath = async (): Promise<string> => {
        const { readdir } = await import('node:fs/promises');
        const ids = await readdir(join(directory, 'data', 'eval')).catch(() => [] as string[]);
        return join(directory, 'data', 'eval', ids[0] ?? 'none', 'results.jsonl');
      };
      while ((await results()).length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill('SIGKILL');
      await ended;
      const kept = (await results()).map((line) => JSON.parse(line) as { targetKind: string; taskId: string });
      expect(kept.length).toBeGreaterThanOrEqual(3);
      expect(kept.length).toBeLessThan(24);

      slow.reset();
      scriptWorld(slow);
      const resumed = await run([tasks, '--profiles', 'rlm', '--models', 'llama3.2', '--json'], slow);
      expect(resumed.code).toBe(0);
      const { report } = JSON.parse(resumed.stdout) as Report;
      expect(report.targets.map((target) => target.tasks)).toEqual([12, 12]);
      // Single-shot requests carry no system prompt; the pipeline's generate does.
      const asked = slow.requests
        .filter((request) => request.path === '/api/chat' && stageOf(request) === 'generate')
        .map((request) => {
          const messages = (request.body as { messages: { role: string }[] }).messages;
          const id = `t${Number(/What is (\d+) \+/.exec(lastUserText(request))?.[1]) - 1}`;
          return `${messages[0]?.role === 'system' ? 'profile' : 'model'}:${id}`;
        });
      for (const done of kept) expect(asked).not.toContain(`${done.targetKind}:${done.taskId}`);
      expect(asked.length).toBe(24 - kept.length);
    } finally {
      await slow.close();
    }
  }, 60_000);

  it('--calibrate stores the profile calibration, private, monotone, fitted on every answer', async () => {
    const tasks = await writeTasks(120);
    const outcome = await run([tasks, '--profiles', 'rlm', '--models', 'llama3.2', '--calibrate', '--json']);
    expect(outcome.code).toBe(0);
    const { calibrated } = JSON.parse(outcome.stdout) as Report;
    expect(calibrated).toEqual([join(directory, 'data', 'calibration', 'rlm.json')]);
    const stored = JSON.parse(await readFile(calibrated[0]!, 'utf8')) as { profile: string; answers: number; models: string[]; map: { blocks: { probability: number }[] } };
    expect(stored).toMatchObject({ profile: 'rlm', answers: 120, models: ['qwen2.5:0.5b', 'llama3.2'] });
    const probabilities = stored.map.blocks.map((block) => block.probability);
    expect(probabilities).toEqual([...probabilities].sort((left, right) => left - right));
    // The verifier here is never wrong, so approved answers are always right and the rest never.
    expect(probabilities[0]).toBe(0);
    expect(probabilities.at(-1)).toBe(1);
    expect((await stat(calibrated[0]!)).mode & 0o077).toBe(0);
    const models = await finished(spawnRlm(['models'], directory, env(simulator)));
    expect(models.stdout).toMatch(/rlm: fitted \S+ on 120 answers \(\d+ % right\), models qwen2\.5:0\.5b, llama3\.2/);
  }, 60_000);
});
