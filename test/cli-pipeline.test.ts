/**
 * The pipeline commands as a user runs them: real `rlm` processes against an in-process simulator
 * (scripted per stage), each in its own working, home and data directory.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './simulator/index.js';
import { finished, spawnRlm, type Outcome } from './support/cli.js';
import { closedPort } from './support/stack.js';
import { APPROVED, planReply, rejected, stagedScript } from './support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: ['qwen3:8b'], maxRevisions: 1, plan: 'always' };
const QUESTION = 'What is the capital of France?';

let simulator: Simulator;
let directory: string;
beforeAll(async () => {
  simulator = await startSimulator();
});
afterAll(() => simulator.close());
beforeEach(async () => {
  simulator.reset();
  directory = await mkdtemp(join(tmpdir(), 'rlm-cli-'));
});
afterEach(() => rm(directory, { recursive: true, force: true }));

function rlm(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawnRlm(args, directory, { HOME: directory, RLM_DATA_DIR: join(directory, 'data'), OLLAMA_HOST: simulator.url, ...env });
}

const run = (args: string[], env: Record<string, string> = {}): Promise<Outcome> => finished(rlm(args, env));

const writeConfig = (profile: Record<string, unknown> = {}): Promise<void> =>
  writeFile(join(directory, 'rlm.config.json'), JSON.stringify({ profiles: { rlm: { ...PROFILE, ...profile } } }));

/** Rejected once, revised, then approved. */
function scriptRevisedRun(): void {
  simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [rejected('It names the wrong city.'), APPROVED] }));
  simulator.script('llama3.2', stagedScript({ generate: 'Lyon.', revise: 'Paris.' }));
}

const runIdIn = (text: string): string => /see: rlm show (run-\S+)/.exec(text)?.[1] ?? '';

async function traceFile(): Promise<{ path: string; relative: string }> {
  const runs = join(directory, 'data', 'runs');
  const [day] = await readdir(runs);
  const [file] = await readdir(join(runs, day!));
  return { path: join(runs, day!, file!), relative: `runs/${day}/${file}` };
}

describe('rlm models', () => {
  it('without a config file derives the tiers from the installed models and says why', async () => {
    const { code, stdout } = await run(['models']);
    expect(code).toBe(0);
    expect(stdout).toContain('source: derived from the models installed in Ollama');
    expect(stdout).toContain('verifier and planner: qwen2.5:0.5b, the smallest chat model');
    expect(stdout).toMatch(/tier 1 +qwen3:8b/);
    expect(stdout).toMatch(/installed in Ollama[^\n]*\n[\s\S]*qwen3:8b +8\.2B +completion, tools, thinking/);

    const json = JSON.parse((await run(['models', '--json'])).stdout) as { defaultProfile: string; reasons: string[]; installed: { name: string; parameter_size: string }[] };
    expect(json.defaultProfile).toBe('rlm');
    expect(json.reasons[0]).toContain('the smallest chat model');
    expect(json.installed).toContainEqual({ name: 'qwen2.5:0.5b', parameter_size: '0.5B', capabilities: ['completion', 'tools'] });
  });

  it('with a config file shows its profiles, and names a model that is not installed', async () => {
    await writeConfig({ ladder: ['qwen3:32b'] });
    const { code, stdout } = await run(['models']);
    expect(code).toBe(0);
    expect(stdout).toContain(`source: ${join(directory, 'rlm.config.json')}`);
    expect(stdout).toContain('profile rlm (default)');
    expect(stdout).toMatch(/tier 0 +llama3\.2 \(generator\)/);
    expect(stdout).not.toContain('why these models');
    expect(stdout).toContain('ollama pull qwen3:32b');
  });

  it('with backends shows each one\'s state, models and traffic, a dead one as down, and the merged list', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    await writeFile(
      join(directory, 'rlm.config.json'),
      JSON.stringify({ backends: { sim: { url: simulator.url }, gone: { url: dead }, compat: { type: 'openai', url: `${simulator.url}/v1`, models: ['qwen3:8b'] } }, profiles: { rlm: PROFILE } }),
    );
    const { code, stdout } = await run(['models']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/backends \(rlm\.config\.json\):\n {2}sim +ollama +http:\/\/127\.0\.0\.1:\d+ +up +\d+ models +0 in flight +[\d.]+ ms\n {2}gone +ollama +http:\/\/127\.0\.0\.1:\d+ +down +[^\n]*\n {2}compat +openai +http:\/\/127\.0\.0\.1:\d+ +up +1 models +0 in flight/);
    expect(stdout).toMatch(/models on the backends[^\n]*\n[\s\S]*qwen3:8b/);
    const json = JSON.parse((await run(['models', '--json'])).stdout) as { backends: { name: string; state: string; reachable: boolean }[] };
    expect(json.backends.map((backend) => [backend.name, backend.state, backend.reachable])).toEqual([
      ['sim', 'up', true],
      ['gone', 'down', false],
      ['compat', 'up', true],
    ]);
  });
});

describe('rlm ask', () => {
  it('prints the answer on stdout and the stages on stderr; the run is then in rlm runs and rlm show', async () => {
    await writeConfig();
    scriptRevisedRun();
    const { code, stdout, stderr } = await run(['ask', QUESTION]);
    expect(stderr).toContain('rlm: asking rlm: planner qwen2.5:0.5b, generator llama3.2, then qwen3:8b, verifier qwen2.5:0.5b');
    expect(code).toBe(0);
    expect(stdout).toBe('Paris.\n');
    expect(stderr).toMatch(/\d\.\ds {2}plan {6}qwen2\.5:0\.5b +\d+ ms {2}1 check\n/);
    expect(stderr).toMatch(/generate {2}llama3\.2 +\d+ ms {2}draft \(tier 0\)\n/);
    expect(stderr).toMatch(/verify {4}qwen2\.5:0\.5b +\d+ ms {2}REJECTED, 1 issue\n +- It names the wrong city\.\n/);
    expect(stderr).toMatch(/revise {4}llama3\.2 +\d+ ms {2}revised\n/);
    expect(stderr).toMatch(/verify {4}qwen2\.5:0\.5b +\d+ ms {2}APPROVED\n/);
    expect(stderr).toMatch(/\napproved yes, confidence 0\.\d+, 8 attempts, not escalated, \d+\.\d s\n/);
    const runId = runIdIn(stderr);
    expect(runId).toMatch(/^run-\d{8}T\d{6}Z-[0-9a-z]{8}$/);

    const runs = await run(['runs']);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`^RUN +STARTED \\(UTC\\) +MODEL +STATUS +APPROVED +CONFIDENCE +ATTEMPTS +QUESTION\\n${runId} +\\S+ \\S+ +rlm +completed +yes +0\\.\\d\\d +8 +${QUESTION.replace('?', '\\?')}\\n$`));

    const show = await run(['show', runId]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`run       ${runId}\nmodel     rlm\n`);
    expect(show.stdout).toContain(`question  ${QUESTION}\n`);
    expect(show.stdout).toMatch(/ 3 +verify +0 +qwen2\.5:0\.5b +\d+ +\d+\+\d+ +REJECTED, 1 issue\n {8}- It names the wrong city\.\n/);
    expect(show.stdout).toMatch(/ 7 +finish +0 +completed +0 +completed\n/);
    expect(show.stdout).toMatch(/answer:\nParis\.\n\napproved yes, confidence 0\.\d+, 8 attempts/);

    const json = JSON.parse((await run(['show', runId, '--json'])).stdout) as { summary: { answer: { content: string } }; header: { runId: string }; attempts: { stage: string }[] };
    expect(json.header.runId).toBe(runId);
    expect(json.summary.answer.content).toBe('Paris.');
    expect(json.attempts.map((attempt) => attempt.stage)).toEqual(['plan', 'generate', 'check', 'verify', 'revise', 'check', 'verify', 'finish']);

    const unknown = await run(['show', 'run-20000101T000000Z-aaaaaaaa']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no run with id "run-20000101T000000Z-aaaaaaaa"');
  });

  it('exits 3 when it answers without approval, and --json gives the answer and the summary', async () => {
    await writeConfig({ onExhausted: 'best', maxRevisions: 0, ladder: [] });
    simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: rejected('Wrong city.') }));
    simulator.script('llama3.2', stagedScript({ generate: 'Lyon.' }));
    const { code, stdout, stderr } = await run(['ask', QUESTION, '--json']);
    expect(code).toBe(3);
    const json = JSON.parse(stdout) as { answer: string; summary: { approved: boolean; issues: string[] } };
    expect(json.answer).toBe('Lyon.');
    expect(json.summary).toMatchObject({ approved: false, issues: ['Wrong city.'] });
    expect(stderr).toContain('approved no');
    expect(stderr).toContain('unresolved issues:\n  - Wrong city.\n');
  });

  it('exits 1 with the "ollama serve" advice when Ollama is not there', async () => {
    const offline = { OLLAMA_HOST: `http://127.0.0.1:${await closedPort()}` };
    for (const args of [['ask', QUESTION], ['models']]) {
      const { code, stderr } = await run(args, offline);
      expect(code).toBe(1);
      expect(stderr).toContain(`Cannot reach Ollama at ${offline.OLLAMA_HOST}`);
      expect(stderr).toContain('ollama serve');
    }
  });

  it('Ctrl-C stops the run, records it as aborted and exits 130', async () => {
    await writeConfig();
    simulator.fault({ kind: 'stall', afterChunks: 0 });
    const child = rlm(['ask', QUESTION]);
    let interrupted = false;
    const outcome = await finished(child, (stderr) => {
      if (interrupted || !stderr.includes('rlm: asking')) return;
      interrupted = true;
      void simulator.waitFor((stats) => stats.inFlight > 0).then(() => child.kill('SIGINT'));
    });
    expect(outcome.code).toBe(130);
    expect(outcome.stderr).toMatch(/recorded as aborted \(see: rlm show run-/);
    const runs = JSON.parse((await run(['runs', '--json'])).stdout) as { runs: { status: string }[] };
    expect(runs.runs.map((entry) => entry.status)).toEqual(['aborted']);
  });

  it('refuses an unknown profile, and --profile is unknown to serve', async () => {
    await writeConfig();
    const ask = await run(['ask', QUESTION, '--profile', 'nope']);
    expect(ask.code).toBe(2);
    expect(ask.stderr).toContain('there is no profile "nope"');
    const serve = await run(['serve', '--profile', 'rlm']);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain('unknown option --profile');
  });
});

describe('rlm runs and rlm verify-traces', () => {
  it('pages with --limit and --before', async () => {
    await writeConfig();
    scriptRevisedRun();
    const first = runIdIn((await run(['ask', 'First question?'])).stderr);
    scriptRevisedRun();
    const second = runIdIn((await run(['ask', 'Second question?'])).stderr);
    // Newest first by start time: the second run, even when both ids share a second and its random tail sorts first.
    const newest = [second, first];
    const page = await run(['runs', '--limit', '1']);
    expect(page.stdout).toContain(newest[0]);
    expect(page.stdout).not.toContain(newest[1]);
    expect(page.stdout).toContain(`more: rlm runs --before ${newest[0]} --limit 1`);
    const next = await run(['runs', '--limit', '1', '--before', newest[0]!]);
    expect(next.stdout).toContain(newest[1]);
    expect(next.stdout).not.toContain('more:');
  });

  it('passes clean traces, reports a changed line by file and line, and a finished run cut short', async () => {
    await writeConfig();
    scriptRevisedRun();
    expect((await run(['ask', QUESTION])).code).toBe(0);
    const clean = await run(['verify-traces']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^checked 1 trace file in .+: 1 run, 9 records, 0 torn last lines skipped\nno problems found\n$/);

    const { path, relative } = await traceFile();
    const original = await readFile(path, 'utf8');
    const lines = original.split('\n');
    const record = JSON.parse(lines[2]!) as { durationMs: number; runId: string };
    lines[2] = JSON.stringify({ ...record, durationMs: record.durationMs + 1 });
    await writeFile(path, lines.join('\n'));
    const tampered = await run(['verify-traces']);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain(`${relative}:3  ${record.runId}  `);
    expect(tampered.stdout).toMatch(/1 problem found\n$/);
    const json = JSON.parse((await run(['verify-traces', '--json'])).stdout) as { problems: { line: number }[] };
    expect(json.problems[0]!.line).toBe(3);

    // The finish record torn: no crash does that to a run the ledger records as finished.
    await writeFile(path, original.slice(0, original.trimEnd().lastIndexOf('\n') + 20));
    const torn = await run(['verify-traces']);
    expect(torn.code).toBe(1);
    expect(torn.stdout).toContain('1 run, 8 records, 1 torn last line skipped\n');
    expect(torn.stdout).toContain('the ledger records 9 records when the run finished (ledger line 1); the file holds 8: its last records were cut off');
  });
});
