/**
 * What the server itself calls while it handles a request (the logger, the id generator) may fail;
 * the request still gets an answer and the process goes on. Vitest fails the file on an uncaught
 * exception or an unhandled rejection, so these tests fail if either escapes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/app.js';
import { silentLogger, type Logger } from '../../src/utils/logger.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { testConfig } from '../support/stack.js';

const throwingLogger: Logger = {
  debug: () => {
    throw new Error('log sink is broken');
  },
  info: () => {
    throw new Error('log sink is broken');
  },
  warn: () => {
    throw new Error('log sink is broken');
  },
  error: () => {
    throw new Error('log sink is broken');
  },
  child: () => throwingLogger,
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function start(overrides: { logger?: Logger; newId?: (prefix: string) => string }): Promise<{ url: string; simulator: Simulator }> {
  const simulator = await startSimulator();
  const server = await startServer(testConfig({ ollamaUrl: simulator.url }), { now: () => 0, newId: () => 'id', logger: silentLogger, ...overrides });
  cleanups.push(async () => {
    await server.close(0);
    await simulator.close();
  });
  return { url: server.url, simulator };
}

describe('a failing collaborator never takes the process down', () => {
  it('a logger that throws on every line: requests are still answered, errors too', async () => {
    const { url } = await start({ logger: throwingLogger });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const missing = await fetch(`${url}/v1/nothing-here`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
    expect((await fetch(`${url}/v1/models`)).status).toBe(200);
  });

  it('an id generator that throws: a 500 in the OpenAI shape, and the next request is answered', async () => {
    let calls = 0;
    const { url } = await start({
      newId: (prefix) => {
        calls++;
        if (calls === 1) throw new Error('entropy ran out');
        return `${prefix}-${calls}`;
      },
    });
    const failed = await fetch(`${url}/v1/models`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: { message: 'Internal server error.', type: 'server_error', param: null, code: 'internal_error' } });
    expect((await fetch(`${url}/v1/models`)).status).toBe(200);
  });
});
