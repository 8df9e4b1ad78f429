/**
 * The adapters' contract: the Ollama adapter against the simulator's native API and the
 * OpenAI-compatible adapter against the simulator's /v1, always; both against a real Ollama (its
 * native API and its own /v1) when OLLAMA_TEST_HOST is set (with OLLAMA_TEST_CHAT_MODEL and
 * OLLAMA_TEST_EMBED_MODEL naming installed models; defaults qwen2.5:0.5b and nomic-embed-text).
 * What one adapter cannot do is skipped for it alone, with the reason in the test's name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOllamaHost } from '../../src/llm/ollama-host.js';
import { createOllamaClient, type OllamaClient } from '../../src/llm/ollama-client.js';
import { createOpenAiCompatClient } from '../../src/llm/openai/openai-compat-client.js';
import { ClientAbortedError, UpstreamError, UpstreamUnreachableError } from '../../src/utils/errors.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { closedPort } from '../support/stack.js';

interface Target {
  name: string;
  start(): Promise<{ baseUrl: string; chatModel: string; embedModel: string; stop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'simulator',
    async start() {
      const simulator: Simulator = await startSimulator();
      return { baseUrl: simulator.url, chatModel: 'qwen2.5:0.5b', embedModel: 'nomic-embed-text', stop: () => simulator.close() };
    },
  },
];
const realHost = process.env.OLLAMA_TEST_HOST;
if (realHost) {
  targets.push({
    name: `real Ollama at ${realHost}`,
    async start() {
      return {
        baseUrl: parseOllamaHost(realHost),
        chatModel: process.env.OLLAMA_TEST_CHAT_MODEL ?? 'qwen2.5:0.5b',
        embedModel: process.env.OLLAMA_TEST_EMBED_MODEL ?? 'nomic-embed-text',
        stop: async () => {},
      };
    },
  });
} else {
  describe.skip('real Ollama contract (set OLLAMA_TEST_HOST to run it)', () => {
    it('skipped: OLLAMA_TEST_HOST is not set', () => {});
  });
}

interface Adapter {
  name: string;
  create(baseUrl: string, timeoutMs: number): OllamaClient;
  /** The native adapter only: OpenAI's API has no version route (the adapter answers "openai-compatible"). */
  hasVersion: boolean;
  /** What the unreachable and blocked-port messages tell the user to fix. */
  fix: RegExp;
}

const adapters: Adapter[] = [
  { name: 'Ollama adapter', create: (baseUrl, timeoutMs) => createOllamaClient({ baseUrl, timeoutMs }), hasVersion: true, fix: /ollama serve/ },
  {
    name: 'OpenAI-compatible adapter',
    create: (baseUrl, timeoutMs) => createOpenAiCompatClient({ baseUrl, timeoutMs, name: 'contract' }),
    hasVersion: false,
    fix: /backend "contract".*rlm\.config\.json/,
  },
];

for (const adapter of adapters) for (const target of targets) {
  describe(`${adapter.name} contract: ${target.name}`, () => {
    let client: OllamaClient;
    let chatModel: string;
    let embedModel: string;
    let stop: () => Promise<void>;

    beforeAll(async () => {
      const started = await target.start();
      ({ chatModel, embedModel, stop } = started);
      client = adapter.create(started.baseUrl, 120_000);
    });
    afterAll(async () => stop());

    it.skipIf(!adapter.hasVersion)(`version is the server's${adapter.hasVersion ? '' : ' (skipped: OpenAI\'s API has no version route; the adapter says "openai-compatible" once /v1/models answers)'}`, async () => {
      expect((await client.version()).version).toMatch(/^\d+\.\d+\.\d+/);
    });

    it.skipIf(adapter.hasVersion)('version says the server answers', async () => {
      expect((await client.version()).version).toBe('openai-compatible');
    });

    it('tags', async () => {
      const { models } = await client.tags();
      expect(models.map((model) => model.name)).toContain(chatModel.includes(':') ? chatModel : `${chatModel}:latest`);
    });

    it('show reports details and capabilities', async () => {
      const shown = await client.show({ model: chatModel });
      expect(shown.details.family).toEqual(expect.any(String));
      expect(shown.capabilities ?? ['completion']).toContain('completion');
    });

    it('chatStream yields chunks ending with exactly one done chunk that carries the counts', async () => {
      const chunks = [];
      for await (const chunk of client.chatStream({ model: chatModel, messages: [{ role: 'user', content: 'Say hi.' }], options: { num_predict: 8, temperature: 0 } })) {
        chunks.push(chunk);
      }
      expect(chunks.filter((chunk) => chunk.done)).toHaveLength(1);
      const last = chunks.at(-1)!;
      expect(last.done).toBe(true);
      expect(last.eval_count).toBeGreaterThan(0);
      expect(last.prompt_eval_count).toBeGreaterThan(0);
      expect(['stop', 'length']).toContain(last.done_reason);
    });

    it('chat aggregates the stream into one message', async () => {
      const result = await client.chat({ model: chatModel, messages: [{ role: 'user', content: 'Say hi.' }], options: { num_predict: 8, temperature: 0 } });
      expect(result.done).toBe(true);
      expect(result.message.role).toBe('assistant');
      expect(result.message.content.length).toBeGreaterThan(0);
    });

    it('generate in raw mode', async () => {
      const result = await client.generate({ model: chatModel, prompt: 'The sky is', raw: true, options: { num_predict: 4, temperature: 0 } });
      expect(result.done).toBe(true);
      expect(result.response.length).toBeGreaterThan(0);
      expect(result.context).toBeUndefined();
    });

    it('embed returns one normalised vector per input, in order', async () => {
      const result = await client.embed({ model: embedModel, input: ['first', 'second'] });
      expect(result.embeddings).toHaveLength(2);
      for (const vector of result.embeddings) expect(Math.hypot(...vector)).toBeCloseTo(1, 3);
    });

    it("an unknown model is an UpstreamError with Ollama's 404 message", async () => {
      const failure = client.chat({ model: 'no-such-model-xyz', messages: [{ role: 'user', content: 'x' }] });
      await expect(failure).rejects.toBeInstanceOf(UpstreamError);
      await expect(failure).rejects.toMatchObject({ upstreamStatus: 404, message: "model 'no-such-model-xyz' not found" });
    });

    it('an aborted signal ends the stream with ClientAbortedError', async () => {
      const controller = new AbortController();
      const chunks = client.chatStream({ model: chatModel, messages: [{ role: 'user', content: 'Count to fifty.' }], options: { num_predict: 64 } }, controller.signal);
      const consume = async (): Promise<void> => {
        for await (const chunk of chunks) {
          void chunk;
          controller.abort();
        }
      };
      await expect(consume()).rejects.toBeInstanceOf(ClientAbortedError);
    });
  });
}

for (const adapter of adapters) {
  describe(`${adapter.name} on a port fetch refuses`, () => {
    it('says the port is blocked instead of a bare "fetch failed"', async () => {
      const client = adapter.create('http://127.0.0.1:6000', 1000);
      await expect(client.tags()).rejects.toThrow(adapter.hasVersion ? /refuses that port as unsafe.*OLLAMA_HOST/ : /refuses that port as unsafe.*rlm\.config\.json/);
    });
  });

  describe(`${adapter.name} with nothing listening`, () => {
    it('throws UpstreamUnreachableError naming the URL and the fix', async () => {
      const port = await closedPort();
      const client = adapter.create(`http://127.0.0.1:${port}`, 1000);
      await expect(client.tags()).rejects.toBeInstanceOf(UpstreamUnreachableError);
      await expect(client.tags()).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${port}`));
      await expect(client.tags()).rejects.toThrow(adapter.fix);
    });
  });
}
