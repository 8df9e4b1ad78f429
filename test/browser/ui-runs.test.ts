/**
 * The web page at /ui/ in a real Chromium against rlm in front of the simulator: runs appearing
 * live while requests are sent, a rejected -> revised -> escalated run with each stage, the issues
 * and the diff, model text that stays text, and the API-key prompt. Screenshots go under
 * test-output/ui/.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, screenshotPath, type LaunchedBrowser } from '../support/chromium.js';
import { postJson, startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, rejected, stagedScript } from '../support/staged-script.js';

const missing = chromiumMissing();
const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: ['qwen3:8b'], maxRevisions: 1, plan: 'always' };
const KEY = 'a-key-for-the-browser-test';

let launched: LaunchedBrowser | undefined;
let browser: Browser;

beforeAll(async () => {
  if (missing !== undefined) return;
  // The page is served from dist/ui/, which the build writes.
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
  launched = await launchChromium();
  browser = launched.browser;
});
afterAll(async () => {
  await launched?.close();
});

const ask = (stack: Stack, content: string, headers: Record<string, string> = {}): ReturnType<typeof postJson> =>
  postJson(`${stack.url}/v1/chat/completions`, { model: 'rlm', messages: [{ role: 'user', content }] }, { headers });

async function openPage(stack: Stack, hash = '#/runs', options: { colorScheme?: 'dark' | 'light'; width?: number } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: options.width ?? 1100, height: 900 }, colorScheme: options.colorScheme ?? 'light' });
  await page.goto(`${stack.url}/ui/${hash}`);
  return page;
}

describe.skipIf(missing !== undefined)('the runs page', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE } }, now: Date.now });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('serves the page with a strict CSP, and GET / for a browser redirects to it while Ollama clients get Ollama\'s answer', async () => {
    const page = await fetch(`${stack.url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await fetch(`${stack.url}/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect([html.status, html.headers.get('location')]).toEqual([302, '/ui/']);
    expect(await (await fetch(`${stack.url}/`)).text()).toBe('Ollama is running');
    expect((await fetch(`${stack.url}/ui/../package.json`)).status).toBe(404);
  });

  it('shows runs as they happen, without a reload', async () => {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('answers'), verify: APPROVED }));
    stack.simulator.script('llama3.2', stagedScript({ generate: 'Four.' }));
    const page = await openPage(stack);
    await page.locator('#live-state', { hasText: /^live$/ }).waitFor();
    for (const question of ['What is two plus two?', 'What is three plus one?']) {
      expect((await ask(stack, question)).status).toBe(200);
      await page.locator('#runs-body tr', { hasText: question }).waitFor();
    }
    await page.locator('#runs-body tr[data-status="approved"]', { hasText: 'three plus one' }).waitFor();
    expect(await page.locator('#runs-body tr').first().textContent()).toContain('three plus one');
    await page.screenshot({ path: screenshotPath('ui', 'runs-live.png'), fullPage: true });
    // The status filter asks the server; the text filter too.
    await page.selectOption('#filter-status', 'failed');
    await page.locator('#runs-note', { hasText: 'no runs match' }).waitFor();
    await page.close();
  });

  it('a rejected, revised, then escalated run shows each stage, the issues, the diff and the escalation', async () => {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [rejected('Wrong city.'), rejected('Still wrong.'), APPROVED] }));
    stack.simulator.script('llama3.2', stagedScript({ generate: 'The capital is Lyon.', revise: 'The capital is Marseille.' }));
    stack.simulator.script('qwen3:8b', stagedScript({ generate: 'The capital is Paris.' }));
    const answer = await ask(stack, 'What is the capital of France?');
    const runId = answer.headers.get('x-rlm-run-id') as string;
    const page = await openPage(stack, `#/run/${runId}`);
    await page.locator('#drafts').waitFor();
    const stages = await page.locator('ol.timeline li').evaluateAll((items) => items.map((item) => item.getAttribute('data-stage')));
    for (const stage of ['plan', 'generate', 'verify', 'revise', 'decision', 'finish']) expect(stages).toContain(stage);
    expect(await page.locator('ol.timeline li[data-outcome="rejected"]').count()).toBe(2);
    expect(await page.locator('ol.timeline li[data-outcome="escalated"]').count()).toBe(1);
    await expect(page.locator('#plan').textContent()).resolves.toContain('names the city');
    const revision = page.locator('article.draft[data-stage="revise"]');
    await expect(revision.locator('.issues').textContent()).resolves.toContain('Still wrong.');
    await expect(revision.locator('del').textContent()).resolves.toBe('Lyon.');
    await expect(revision.locator('ins').textContent()).resolves.toBe('Marseille.');
    await expect(page.locator('article.draft[data-stage="generate"]').first().locator('.issues').textContent()).resolves.toContain('Wrong city.');
    await expect(page.locator('article.draft[data-stage="generate"]').last().textContent()).resolves.toContain('qwen3:8b (tier 1)');
    await expect(page.locator('#decisions li[data-name="escalate"]').count()).resolves.toBe(1);
    await expect(page.locator('#answer').textContent()).resolves.toContain('The capital is Paris.');
    await expect(page.locator('#chain .chain').getAttribute('class')).resolves.toContain('intact');
    await page.screenshot({ path: screenshotPath('ui', 'run-escalated.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: screenshotPath('ui', 'run-escalated-dark-narrow.png'), fullPage: true });
    await page.close();
  });

  it('shows the models and profiles with figures over the recent runs', async () => {
    const page = await openPage(stack, '#/models');
    await page.locator('#profile-stats tr[data-profile="rlm"]').waitFor();
    await expect(page.locator('#tiers-report').textContent()).resolves.toContain('profile rlm');
    await page.screenshot({ path: screenshotPath('ui', 'models.png'), fullPage: true });
    await page.close();
  });

  it('shows a draft holding <script>, an onerror image and a javascript: link as text', async () => {
    const hostile = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> [click](javascript:window.__xss=3)';
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('answers'), verify: APPROVED }));
    stack.simulator.script('llama3.2', stagedScript({ generate: hostile }));
    const answer = await ask(stack, `<b>bold?</b> ${hostile}`);
    const runId = answer.headers.get('x-rlm-run-id') as string;
    const page = await openPage(stack, `#/run/${runId}`);
    await page.locator('#answer').waitFor();
    await expect(page.locator('#answer pre').textContent()).resolves.toBe(hostile);
    await expect(page.locator('#question pre').textContent()).resolves.toContain('<b>bold?</b>');
    expect(await page.locator('main script, main img, main b, main a[href^="javascript"]').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.goto(`${stack.url}/ui/#/runs`);
    await page.locator('#runs-body tr', { hasText: '<b>bold?</b>' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.screenshot({ path: screenshotPath('ui', 'xss-as-text.png'), fullPage: true });
    await page.close();
  });
});

describe.skipIf(missing !== undefined)('the page with an API key set', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE } }, now: Date.now, config: { apiKey: KEY } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('asks for the key once, keeps it in session storage and sends it as a bearer token', async () => {
    // The static files carry no data and must load without the key: http-server.ts exempts isUiPath() from the key check.
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('answers'), verify: APPROVED }));
    stack.simulator.script('llama3.2', stagedScript({ generate: 'Four.' }));
    expect((await ask(stack, 'Keyed question?', { authorization: `Bearer ${KEY}` })).status).toBe(200);
    const page = await openPage(stack);
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/v1/')) sent.push(`${request.url()} ${request.headers()['authorization'] ?? ''}`);
    });
    await page.locator('#key-dialog[open]').waitFor();
    await page.screenshot({ path: screenshotPath('ui', 'api-key-prompt.png') });
    await page.fill('#key-input', KEY);
    await page.click('#key-ok');
    await page.locator('#runs-body tr', { hasText: 'Keyed question?' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('rlm-api-key'))).toBe(KEY);
    expect(await page.context().cookies()).toEqual([]);
    expect(sent.every((line) => !line.split(' ')[0]!.includes(KEY))).toBe(true);
    expect(sent.some((line) => line.endsWith(`Bearer ${KEY}`))).toBe(true);
    // Another view in the same tab does not ask again.
    await page.goto(`${stack.url}/ui/#/search`);
    await page.locator('#search-query').waitFor();
    await page.goto(`${stack.url}/ui/#/runs`);
    await page.locator('#runs-body tr', { hasText: 'Keyed question?' }).waitFor();
    expect(await page.locator('#key-dialog[open]').count()).toBe(0);
    await page.close();
  });
});
