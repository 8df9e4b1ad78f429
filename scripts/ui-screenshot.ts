/**
 * The README's screenshot of the web page's run view: a run with a rejection, a revision and an
 * escalation. `npx tsx scripts/ui-screenshot.ts [--real] [--out docs/images/run-view.png]`.
 *
 * With --real, rlm runs in front of the real Ollama that scripts/real-ollama/setup.sh installed
 * (SmolLM2-135M plans, drafts and verifies; Gemma 3 270M is the ladder's rung) and questions are
 * asked until one run shows all three; the real models decide, so it may take a few questions.
 * Without it, rlm runs in front of the simulator, scripted as the browser test stages that run.
 * The shot is 1280x900 from the top of the run's page, in the light theme, via Debian's Chromium.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startServer } from '../src/server/app.js';
import { createLogger } from '../src/utils/logger.js';
import { startSimulator, type Simulator } from '../test/simulator/index.js';
import { chromiumMissing, launchChromium } from '../test/support/chromium.js';
import { REAL_MODELS, realOllamaMissing, startRealOllama, type RealOllama } from '../test/support/real-ollama.js';
import { testConfig } from '../test/support/stack.js';
import { APPROVED, planReply, rejected, stagedScript } from '../test/support/staged-script.js';

const args = process.argv.slice(2);
const real = args.includes('--real');
const outIndex = args.indexOf('--out');
const out = resolve(outIndex >= 0 ? (args[outIndex + 1] as string) : 'docs/images/run-view.png');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const REAL_QUESTIONS = [
  'What is the capital of Australia? Answer in one sentence.',
  'How many legs does a spider have? Answer with a number and one sentence.',
  'Name the largest planet in the solar system and say why it is the largest.',
  'What is 17 times 23? Show the result only.',
  'Which element has the chemical symbol Fe?',
  'In which year did the Berlin Wall fall?',
  'Give the boiling point of water at sea level in degrees Fahrenheit.',
  'Who wrote the novel "Pride and Prejudice"?',
];

interface RunAttempt {
  stage: string;
  name: string | null;
  verdict: string | null;
}

function shows(attempts: readonly RunAttempt[]): boolean {
  return attempts.some((attempt) => attempt.stage === 'verify' && attempt.verdict === 'REJECTED') && attempts.some((attempt) => attempt.stage === 'revise') && attempts.some((attempt) => attempt.stage === 'decision' && attempt.name === 'escalate');
}

/** Streams the answer (a real run can outlast fetch's 300 s wait for headers) and returns the run id. */
async function ask(url: string, question: string): Promise<string> {
  const body = { model: 'rlm', stream: true, max_tokens: 160, messages: [{ role: 'user', content: question }] };
  const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const runId = response.headers.get('x-rlm-run-id');
  await response.text();
  if (runId === null) throw new Error(`no run id (HTTP ${response.status})`);
  return runId;
}

async function attemptsOf(url: string, runId: string): Promise<RunAttempt[]> {
  return ((await (await fetch(`${url}/v1/rlm/runs/${runId}`)).json()) as { attempts: RunAttempt[] }).attempts;
}

async function main(): Promise<void> {
  const missing = chromiumMissing() ?? (real ? realOllamaMissing() : undefined);
  if (missing !== undefined) throw new Error(missing);
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
  const directory = await mkdtemp(join(tmpdir(), 'rlm-screenshot-'));
  let ollama: RealOllama | undefined;
  let simulator: Simulator | undefined;
  try {
    const profile = real
      ? { planner: REAL_MODELS.chat, generator: REAL_MODELS.chat, verifier: REAL_MODELS.chat, ladder: [REAL_MODELS.ladder], maxRevisions: 1, plan: 'always' }
      : { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: ['qwen3:8b'], maxRevisions: 1, plan: 'always' };
    await writeFile(join(directory, 'rlm.config.json'), JSON.stringify({ profiles: { rlm: profile } }));
    let ollamaUrl: string;
    if (real) {
      ollama = await startRealOllama({ log });
      ollamaUrl = ollama.url;
    } else {
      simulator = await startSimulator();
      simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city', 'one sentence'), verify: [rejected('Lyon is not the capital of France.'), rejected('Marseille is not the capital either.'), APPROVED] }));
      simulator.script('llama3.2', stagedScript({ generate: 'The capital of France is Lyon.', revise: 'The capital of France is Marseille.' }));
      simulator.script('qwen3:8b', stagedScript({ generate: 'The capital of France is Paris.' }));
      ollamaUrl = simulator.url;
    }
    const server = await startServer(testConfig({ ollamaUrl, dataDir: join(directory, 'data'), upstreamTimeoutMs: 300_000, numCtx: 2048, logLevel: 'error' }), {
      logger: createLogger({ level: 'error', write: () => undefined }),
      cwd: directory,
    });
    try {
      let chosen: string | undefined;
      for (const question of real ? REAL_QUESTIONS : ['What is the capital of France?']) {
        log(`asking: ${question}`);
        const runId = await ask(server.url, question);
        const attempts = await attemptsOf(server.url, runId);
        log(`  ${runId}: ${attempts.map((attempt) => `${attempt.stage}${attempt.verdict ? `:${attempt.verdict}` : attempt.name ? `:${attempt.name}` : ''}`).join(' ')}`);
        if (shows(attempts)) {
          chosen = runId;
          break;
        }
      }
      if (chosen === undefined) throw new Error('no run showed a rejection, a revision and an escalation; run the script again');
      const browser = await launchChromium();
      try {
        const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', deviceScaleFactor: 1 });
        await page.goto(`${server.url}/ui/#/run/${chosen}`);
        await page.locator('#chain .chain').waitFor();
        await mkdir(dirname(out), { recursive: true });
        await page.screenshot({ path: out });
        log(`saved ${out} (run ${chosen})`);
      } finally {
        await browser.close();
      }
    } finally {
      await server.close(0);
    }
  } finally {
    await ollama?.stop();
    await simulator?.close();
    await rm(directory, { recursive: true, force: true });
  }
}

await main();
