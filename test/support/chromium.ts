// Headless Chromium for the browser suites: Debian's chromium (apt-get install -y chromium), driven
// by playwright-core, which never downloads a browser of its own. The flags keep Chromium off the
// network it would otherwise reach for at start (component updates, sync, field trials): this
// machine's network is closed, and those attempts slow every start. Playwright gives each launch a
// fresh temporary profile and removes it on close.
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.RLM_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser suites cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `no Chromium at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" (or set RLM_CHROMIUM)`;
}

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}

/** Where a test saves its screenshots: test-output/<suite>/, created on demand. */
export function screenshotPath(suite: string, name: string): string {
  const dir = path.resolve('test-output', suite);
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
