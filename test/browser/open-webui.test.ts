/**
 * Open WebUI as a real client in a real browser: the PyPI release (scripts/open-webui/setup.sh)
 * with its Ollama connection pointed at rlm, rlm in front of the Ollama simulator, and Debian's
 * Chromium driven by playwright-core. A user picks `rlm`, turns on "think (Ollama)" in the chat's
 * Controls, asks a question, and sees the pipeline's progress in the thinking block and then the
 * approved answer. A tap between Open WebUI and rlm records what Open WebUI calls.
 */
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium, screenshotPath, type LaunchedBrowser } from '../support/chromium.js';
import { openWebUiMissing, OPEN_WEBUI_VERSION, startOpenWebUi, type OpenWebUi } from '../support/open-webui.js';
import type { RecordedRequest } from '../simulator/index.js';
import { startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, rejected, stagedScript } from '../support/staged-script.js';

const SUITE = 'open-webui';
// Its own timeouts, so the file behaves the same under any vitest config: the first start after an
// install takes up to a minute on 2 shared cores.
const START_TIMEOUT_MS = 600_000;
const TEST_TIMEOUT_MS = 300_000;
const missing = chromiumMissing() ?? openWebUiMissing();
if (missing !== undefined) {
  if (process.env.CI) throw new Error(`The Open WebUI browser test cannot run: ${missing}`);
  process.stderr.write(`\nOpen WebUI browser test SKIPPED: ${missing}\n\n`);
}

/** The generator's draft, or an answer to one of Open WebUI's task prompts (they start "### Task:"). */
function draftOrTask(request: RecordedRequest): string {
  const messages = (request.body as { messages?: { role: string; content: string }[] }).messages ?? [];
  const prompt = messages.at(-1)?.content ?? '';
  if (!prompt.startsWith('### Task:')) return 'Lyon.';
  if (prompt.includes('"title"')) return JSON.stringify({ title: prompt.includes('France') ? 'Capital of France' : 'Greeting' });
  if (prompt.includes('"follow_ups"')) return JSON.stringify({ follow_ups: ['And the capital of Italy?'] });
  if (prompt.includes('"tags"')) return JSON.stringify({ tags: ['Geography'] });
  return '{}';
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** Passes every request through to rlm unchanged, streaming, and records what was asked. */
async function startTap(target: string): Promise<{ url: string; calls: Call[]; close(): Promise<void> }> {
  const calls: Call[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      let parsed: unknown = body.length === 0 ? undefined : body.toString('utf8');
      try {
        if (typeof parsed === 'string') parsed = JSON.parse(parsed) as unknown;
      } catch {
        // Not JSON: keep the text.
      }
      calls.push({ method: request.method ?? '', path: request.url ?? '', body: parsed });
      const upstream = httpRequest(`${target}${request.url ?? '/'}`, { method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      upstream.on('error', () => response.destroy());
      response.on('close', () => upstream.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(missing !== undefined)(`Open WebUI ${OPEN_WEBUI_VERSION} with rlm as its Ollama`, () => {
  let stack: Stack;
  let tap: Awaited<ReturnType<typeof startTap>>;
  let openWebUi: OpenWebUi;
  let browser: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    // Each model call takes a few hundred ms, so the run lasts long enough for its progress to be seen.
    stack = await startStack({ simulator: { tokenLatencyMs: 15, firstTokenLatencyMs: 500 }, config: { upstreamTimeoutMs: 60_000 } });
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [rejected('Lyon is not the capital.'), APPROVED] }));
    stack.simulator.script('llama3.2:latest', stagedScript({ generate: draftOrTask, revise: 'Paris is the capital of France.' }));
    tap = await startTap(stack.url);
    openWebUi = await startOpenWebUi({
      ollamaUrl: tap.url,
      logPath: screenshotPath(SUITE, 'open-webui.log'),
      log,
      // As the README advises: titles, tags and follow-ups from a plain model, not a pipeline run each.
      environment: { TASK_MODEL: 'llama3.2:latest' },
    });
    browser = await launchChromium();
    page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    // What Open WebUI asked rlm, for reading after the run (and for docs/clients.md).
    if (tap !== undefined) writeFileSync(screenshotPath(SUITE, 'calls.json'), JSON.stringify(tap.calls, null, 1));
    if (stack !== undefined) writeFileSync(screenshotPath(SUITE, 'simulator-requests.json'), JSON.stringify(stack.simulator.requests, null, 1));
    await browser?.close();
    await openWebUi?.stop();
    await tap?.close();
    await stack?.close();
  }, 60_000);

  it('lists rlm, shows the pipeline progress as thinking, then the answer', async () => {
    await page.goto(openWebUi.url, { waitUntil: 'load' });
    // A fresh install greets with its release notes.
    const notes = page.getByRole('button', { name: "Okay, Let's Go!" });
    await notes.waitFor({ timeout: 15_000 }).then(
      () => notes.click(),
      () => undefined,
    );

    // The picker lists what /api/tags lists, in its order: the virtual models first.
    await pickModel(page, 'rlm', async (names) => {
      expect(names[0]).toBe('rlm');
      expect(names).toContain('rlm/llama3.2:latest');
      expect(names).toContain('llama3.2:latest');
      await page.screenshot({ path: screenshotPath(SUITE, '1-model-picker.png') });
    });

    // Open WebUI sends Ollama's `think` only when this is on (Controls > Advanced Params).
    await page.locator('button[aria-label="Controls"]').click();
    const think = page.getByLabel('think (Ollama)');
    await think.click();
    await expect.poll(() => think.textContent()).toContain('On');
    await page.locator('button[aria-label="Controls"]').click();

    await send(page, 'What is the capital of France?');

    // While the run works: "Thinking...", and inside it each stage as it finishes, before any answer.
    const thinking = page.getByText(/^Thinking/).first();
    await thinking.waitFor({ timeout: 30_000 });
    await thinking.click();
    const answer = page.getByText('Paris is the capital of France.');
    await page.getByText('verify: REJECTED, 1 issue (qwen2.5:0.5b)').first().waitFor({ timeout: 30_000 });
    expect(await answer.count()).toBe(0);
    await page.screenshot({ path: screenshotPath(SUITE, '2-progress.png') });

    // Then the revised, approved answer, with the whole run folded into "Thought for ...".
    await answer.first().waitFor({ timeout: 60_000 });
    const chat = await chatText(page);
    expect(chat).toMatch(/Thought for/);
    expect(chat).toContain('plan: 1 checks (qwen2.5:0.5b)');
    expect(chat).toContain('generate: draft from llama3.2:latest (tier 0)');
    expect(chat).toContain('revise: revised by llama3.2:latest');
    expect(chat).toContain('verify: APPROVED (qwen2.5:0.5b)');
    expect(chat).not.toContain('Lyon.');
    // The task model named the chat; its follow-up shows under the answer.
    await page.getByText('And the capital of Italy?').first().waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByText('Capital of France').count()).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath(SUITE, '3-answer.png') });

    // On the wire: one pipeline run, streamed, with think; the task calls went to the plain model.
    const chats = tap.calls.filter((call) => call.path === '/api/chat').map((call) => call.body as ChatBody);
    const pipeline = chats.filter((body) => body.model === 'rlm');
    expect(pipeline).toHaveLength(1);
    expect(pipeline[0]).toMatchObject({ stream: true, think: true });
    expect(chats.filter((body) => body.model !== 'rlm').every((body) => body.model === 'llama3.2:latest' && body.stream === false)).toBe(true);
    expect(stack.logs.filter((line) => line.event === 'request' && line.run_id !== undefined)).toHaveLength(1);
  }, TEST_TIMEOUT_MS);

  it('shows rlm\'s error when the generator cannot use the tools Open WebUI sends, and runs with Function Calling "Legacy"', async () => {
    // Open WebUI 0.12 sends its built-in tools (36 of them) with every chat typed in the UI, whatever
    // the model's capabilities; a generator without tools gets Ollama's 400, in rlm's words.
    await page.goto(openWebUi.url, { waitUntil: 'load' });
    await pickModel(page, 'rlm/qwen2.5-coder:1.5b');
    await send(page, 'Hello');
    await page.getByText(/cannot use tools: its model "qwen2\.5-coder:1\.5b" does not support them/).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: screenshotPath(SUITE, '4-tools-error.png') });

    // "Legacy" function calling (Controls > Advanced Params) leaves the built-in tools out.
    stack.simulator.script('qwen2.5-coder:1.5b', stagedScript({ plan: planReply('greets back'), generate: 'Hello! What shall we write?', verify: APPROVED }));
    await page.goto(openWebUi.url, { waitUntil: 'load' });
    await pickModel(page, 'rlm/qwen2.5-coder:1.5b');
    await page.locator('button[aria-label="Controls"]').click();
    const functionCalling = page.getByLabel('Function Calling');
    await functionCalling.click();
    await functionCalling.click();
    await expect.poll(() => functionCalling.textContent()).toContain('Legacy');
    await page.locator('button[aria-label="Controls"]').click();
    await send(page, 'Hello');
    await page.getByText('Hello! What shall we write?').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: screenshotPath(SUITE, '5-legacy-function-calling.png') });
    const last = tap.calls.filter((call) => call.path === '/api/chat' && (call.body as ChatBody).model === 'rlm/qwen2.5-coder:1.5b').at(-1);
    expect((last?.body as ChatBody).tools).toBeUndefined();
  }, TEST_TIMEOUT_MS);
});

interface ChatBody {
  model: string;
  stream?: boolean;
  think?: unknown;
  tools?: unknown[];
}

/** Opens the model picker, hands its entries to `inspect`, and picks `model`. */
async function pickModel(page: Page, model: string, inspect?: (names: string[]) => Promise<void>): Promise<void> {
  await page.locator('#model-selector-model-button').click();
  const options = page.locator('#model-selector-list [role="option"]');
  await options.first().waitFor();
  const labels = await options.evaluateAll((elements) => elements.map((element) => element.getAttribute('aria-label') ?? ''));
  await inspect?.(labels.map((label) => label.replace(/^Select (.*) model$/, '$1')));
  await page.getByRole('option', { name: `Select ${model} model`, exact: true }).click();
  await expect.poll(() => page.locator('#model-selector-model-button').getAttribute('aria-label')).toBe(`Selected model: ${model}`);
}

async function send(page: Page, text: string): Promise<void> {
  await page.locator('#chat-input').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** What the user sees of the chat, as text. */
async function chatText(page: Page): Promise<string> {
  return page.locator('#chat-container').innerText();
}
