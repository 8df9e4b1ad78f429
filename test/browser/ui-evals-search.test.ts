/**
 * The web page's eval reports, calibrations and search in a real Chromium against rlm in front of
 * the simulator: the empty state, then stored reports with their tables and charts (SVG shown as
 * images, names as text), the calibration lines in the models view, and a real index searched from
 * the page, with a chunk holding an onerror image shown as text. Screenshots go under test-output/ui/.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildIndex } from '../../src/index/build.js';
import { createOllamaClient } from '../../src/llm/ollama-client.js';
import { chromiumMissing, launchChromium, screenshotPath, type LaunchedBrowser } from '../support/chromium.js';
import { startStack, type Stack } from '../support/stack.js';
import { taskResults, writeEvalReport, writeProfileCalibration } from '../ui/eval-fixtures.js';

const missing = chromiumMissing();
const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: ['qwen3:8b'] };
const HOSTILE = '<img src=x onerror="window.__xss = 1">';

let launched: LaunchedBrowser | undefined;
let browser: Browser;
let stack: Stack;

beforeAll(async () => {
  if (missing !== undefined) return;
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
  launched = await launchChromium();
  browser = launched.browser;
  stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE, other: PROFILE } }, now: Date.now });
});
afterAll(async () => {
  await stack?.close();
  await launched?.close();
});

async function openPage(hash: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  await page.goto(`${stack.url}/ui/${hash}`);
  return page;
}

const xss = (page: Page): Promise<unknown> => page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss);

describe.skipIf(missing !== undefined)('eval reports on the page', () => {
  it('says how to make one while there is none', async () => {
    const page = await openPage('#/evals');
    await page.locator('#evals-empty').waitFor();
    await expect(page.locator('#evals-empty').textContent()).resolves.toContain('rlm eval');
    await page.close();
  });

  it('lists the stored reports newest first, and shows one with its tables and charts', async () => {
    await writeEvalReport(stack.dataDir, 'aaaaaaaaaaa1', taskResults(), Date.UTC(2026, 10, 1));
    await writeEvalReport(stack.dataDir, 'aaaaaaaaaaa2', taskResults({ model: HOSTILE }), Date.UTC(2026, 10, 2));
    const page = await openPage('#/evals');
    await page.locator('#evals-body tr').first().waitFor();
    expect(await page.locator('#evals-body tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-eval-id')))).toEqual(['aaaaaaaaaaa2', 'aaaaaaaaaaa1']);
    await expect(page.locator('#evals-body tr').first().textContent()).resolves.toContain(HOSTILE);
    await page.click('#evals-body tr[data-eval-id="aaaaaaaaaaa2"] a');
    await page.locator('#eval-summary').waitFor();
    await expect(page.locator('#eval-summary tbody tr').first().locator('td').first().textContent()).resolves.toBe(HOSTILE);
    await expect(page.locator('#eval-suites thead').textContent()).resolves.toContain('arithmetic');
    const charts = page.locator('#eval-charts img');
    expect(await charts.count()).toBe(2);
    // Each chart loaded as an image (a blob: URL of the SVG fetched with the key).
    await page.waitForFunction(() => [...(globalThis as unknown as { document: { querySelectorAll(s: string): { complete: boolean; naturalWidth: number }[] } }).document.querySelectorAll('#eval-charts img')].every((image) => image.complete && image.naturalWidth > 0));
    expect(await charts.first().getAttribute('src')).toMatch(/^blob:/);
    expect(await page.locator('main img:not([data-chart])').count()).toBe(0);
    expect(await xss(page)).toBeUndefined();
    await page.screenshot({ path: screenshotPath('ui', 'eval-report.png'), fullPage: true });
    await page.close();
  });
});

describe.skipIf(missing !== undefined)('calibrations in the models view', () => {
  it('shows the stored calibration of a profile, and none for the other', async () => {
    await writeProfileCalibration(stack.dataDir, 'rlm');
    const page = await openPage('#/models');
    await page.locator('#calibrations li[data-profile="rlm"]').waitFor();
    await expect(page.locator('#calibrations li[data-profile="rlm"]').textContent()).resolves.toContain('rlm: fitted 2026-12-01T10:00:00.000Z on 120 answers (60 % right), models qwen2.5:0.5b, llama3.2');
    await expect(page.locator('#calibrations li[data-profile="other"]').textContent()).resolves.toContain('other: none; confidence is the raw score');
    await page.close();
  });
});

describe.skipIf(missing !== undefined)('search with a real index', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'rlm-ui-search-'));
    await writeFile(join(folder, 'ports.md'), '# Ports\n\nOllama listens on port 11434 by default.\nrlm listens on port 11435.\n');
    await writeFile(join(folder, 'hostile.html'), `<p>The port of the hostile page.</p>\n${HOSTILE}\n<script>window.__xss = 2</script>\n`);
    await writeFile(join(folder, 'notes.txt'), 'Bananas are yellow.\n');
    await buildIndex(createOllamaClient({ baseUrl: stack.simulator.url, timeoutMs: 5000 }), { root: folder, name: 'docs', model: 'nomic-embed-text', dataDir: stack.dataDir });
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('queries the index from the search box and shows the chunks with their paths and scores, as text', async () => {
    const page = await openPage('#/search');
    await page.fill('#search-query', 'which port does Ollama listen on');
    await page.press('#search-query', 'Enter');
    await page.locator('#search-results ol.chunks li').first().waitFor();
    await expect(page.locator('#search-results > p').textContent()).resolves.toBe('3 chunks from index docs');
    const items = await page.locator('#search-results ol.chunks li').evaluateAll((elements) => elements.map((element) => element.textContent ?? ''));
    expect(items.some((text) => /^ports\.md:1-\d+ score -?\d\.\d{3}/.test(text))).toBe(true);
    const hostile = items.find((text) => text.startsWith('hostile.html'));
    expect(hostile).toContain(HOSTILE);
    expect(hostile).toContain('<script>window.__xss = 2</script>');
    expect(await page.locator('#search-results img, #search-results script, #search-results p:not(:first-child)').count()).toBe(0);
    expect(await xss(page)).toBeUndefined();
    await page.screenshot({ path: screenshotPath('ui', 'search.png'), fullPage: true });
    await page.close();
  });
});
