/**
 * The page's live feed and shutdown: an open GET /v1/rlm/run-events must not hold `rlm serve`'s
 * close for the grace period. Closed with a 60 s grace, the server ends the feed at once and close
 * resolves, well inside this test's 20 s timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startServer } from '../../src/server/app.js';
import { counterIds } from '../../src/utils/ids.js';
import { createLogger } from '../../src/utils/logger.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { testConfig } from '../support/stack.js';

let simulator: Simulator | undefined;
let directory: string | undefined;
afterEach(async () => {
  await simulator?.close();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

it('ends an open run-events feed at once when the server closes, instead of after the grace period', { timeout: 20_000 }, async () => {
  simulator = await startSimulator();
  directory = await mkdtemp(join(tmpdir(), 'rlm-feed-close-'));
  const server = await startServer(testConfig({ ollamaUrl: simulator.url, dataDir: join(directory, 'data') }), {
    logger: createLogger({ level: 'error', write: () => undefined }),
    newId: counterIds(),
    cwd: directory,
  });
  const feed = await fetch(`${server.url}/v1/rlm/run-events`);
  expect(feed.status).toBe(200);
  const reader = feed.body!.pipeThrough(new TextDecoderStream()).getReader();
  expect((await reader.read()).value).toBe(': run events\n\n');
  // Read to the end while the server closes: the feed must end, not hang.
  const rest = (async () => {
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += value;
    }
  })();
  await server.close(60_000);
  expect(await rest).toBe('');
  expect(server.server.listening).toBe(false);
});
