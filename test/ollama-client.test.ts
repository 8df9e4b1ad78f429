/**
 * The official `ollama` npm package as the client, pointed at rlm as at an Ollama: what
 * Open WebUI's backend, VS Code's Ollama provider and scripts run. Installed models are passed
 * through to the simulator; virtual models (`rlm`, `rlm/<model>`) run the pipeline.
 */
import { Ollama } from 'ollama';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack.js';
import { APPROVED, planReply, rejected, stagedScript } from './support/staged-script.js';

let stack: Stack;
let ollama: Ollama;

beforeAll(async () => {
  stack = await startStack({ simulator: { tokenLatencyMs: 0 } });
  ollama = new Ollama({ host: stack.url });
});
afterAll(async () => stack.close());
beforeEach(() => stack.simulator.reset());

/** A pipeline run that is rejected once, revised and approved. */
function scriptPipeline(): void {
  stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [rejected('Wrong city.'), APPROVED] }));
  stack.simulator.script('llama3.2:latest', stagedScript({ generate: 'Lyon.', revise: 'Paris is the capital of France.' }));
}

describe('the ollama client: discovery', () => {
  it('list() shows the virtual models first, with details and capabilities, then the installed ones', async () => {
    const { models } = await ollama.list();
    const names = models.map((model) => model.name);
    expect(names[0]).toBe('rlm');
    expect(names).toContain('rlm/llama3.2:latest');
    expect(names).toContain('llama3.2:latest');
    expect(names).toContain('nomic-embed-text:latest');
    expect(names).not.toContain('rlm/nomic-embed-text:latest');
    const virtual = models.find((model) => model.name === 'rlm/qwen3:8b');
    expect(virtual?.details).toMatchObject({ parent_model: 'qwen3:8b', family: 'qwen3', parameter_size: '8.2B', quantization_level: 'Q4_K_M' });
    expect((virtual as unknown as { capabilities: string[] }).capabilities).toEqual(['completion', 'tools', 'thinking']);
    expect(virtual?.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('show() answers an installed model as Ollama does, and a virtual one from its generator and profile', async () => {
    const installed = await ollama.show({ model: 'llama3.2' });
    expect(installed.capabilities).toEqual(['completion', 'tools']);
    // The client types model_info as a Map; on the wire it is a plain object.
    expect((installed.model_info as unknown as Record<string, unknown>)['llama.context_length']).toBe(131072);

    const virtual = await ollama.show({ model: 'rlm/qwen3:8b' });
    expect(virtual.capabilities).toEqual(['completion', 'tools', 'thinking']);
    const info = virtual.model_info as unknown as Record<string, unknown>;
    expect(info['qwen3.context_length']).toBe(40960);
    expect(info['rlm.generator']).toBe('qwen3:8b');
    expect(virtual.modelfile).toContain('FROM qwen3:8b');
    expect(virtual.parameters).toMatch(/^num_ctx\s+8192$/m);
    expect(virtual.details.parent_model).toBe('qwen3:8b');

    // Ollama's clients write the default tag out.
    expect((await ollama.show({ model: 'rlm:latest' })).modelfile).toMatch(/^# rlm pipeline model "rlm"/);
  });

  it("ps() and version() are the backend's", async () => {
    expect(await ollama.ps()).toEqual({ models: [] });
    expect(await ollama.version()).toEqual({ version: '0.33.0' });
  });
});

describe('the ollama client: an installed model, passed through', () => {
  it('chat, plain and streaming', async () => {
    stack.simulator.script('llama3.2:latest', 'Paris is the capital of France.');
    const plain = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'Capital of France?' }] });
    expect(plain.message.content).toBe('Paris is the capital of France.');
    expect(plain.done_reason).toBe('stop');
    expect(plain.eval_count).toBe(6);

    const parts: string[] = [];
    let last: { done: boolean; eval_count?: number } | undefined;
    for await (const part of await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'Capital of France?' }], stream: true })) {
      parts.push(part.message.content);
      last = part;
    }
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.join('')).toBe('Paris is the capital of France.');
    expect(last).toMatchObject({ done: true, eval_count: 6 });
    // What reached Ollama: the client's body, with the server's num_ctx added.
    const sent = stack.simulator.requests.filter((request) => request.path === '/api/chat').map((request) => request.body as Record<string, unknown>);
    expect(sent[0]).toMatchObject({ model: 'llama3.2', stream: true, options: { num_ctx: 8192 } });
  });

  it('generate, plain and streaming', async () => {
    stack.simulator.script('qwen2.5-coder:1.5b', 'def add(a, b): return a + b');
    const plain = await ollama.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'add' });
    expect(plain.response).toBe('def add(a, b): return a + b');
    expect(Array.isArray(plain.context)).toBe(true);
    let text = '';
    for await (const part of await ollama.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'add', stream: true })) text += part.response;
    expect(text).toBe('def add(a, b): return a + b');
  });

  it('an abort mid-stream reaches the backend', async () => {
    const slow = await startStack({ simulator: { tokenLatencyMs: 40 } });
    try {
      const client = new Ollama({ host: slow.url });
      slow.simulator.script('llama3.2:latest', Array.from({ length: 200 }, (_, index) => `word${index}`).join(' '));
      const stream = await client.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'Talk' }], stream: true });
      let received = 0;
      await expect(
        (async () => {
          for await (const part of stream) {
            received += part.message.content === '' ? 0 : 1;
            if (received === 2) stream.abort();
          }
        })(),
      ).rejects.toThrow(/abort/i);
      await slow.simulator.waitFor((stats) => stats.aborted === 1);
      expect(slow.simulator.requests.find((request) => request.path === '/api/chat')?.aborted).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('a missing model is a ResponseError with Ollama\'s wording and rlm\'s help', async () => {
    const failure = ollama.chat({ model: 'nope:1b', messages: [{ role: 'user', content: 'hi' }] });
    await expect(failure).rejects.toMatchObject({ name: 'ResponseError', status_code: 404 });
    const error = (await failure.catch((caught: unknown) => caught)) as Error;
    expect(error.message).toMatch(/^model 'nope:1b' not found\. Ollama models: qwen3:8b, .*llama3\.2:latest.*\. Pipeline models: rlm, rlm\/.*Install it with `ollama pull nope:1b`\.$/);

    const streamed = ollama.generate({ model: 'nope:1b', prompt: 'hi', stream: true });
    await expect(streamed).rejects.toMatchObject({ status_code: 404, message: expect.stringMatching(/^model 'nope:1b' not found\./) });
    const embed = ollama.embed({ model: 'nope:1b', input: 'hi' });
    await expect(embed).rejects.toMatchObject({ status_code: 404, message: expect.stringMatching(/^model "nope:1b" not found, try pulling it first\. /) });
  });
});

describe('the ollama client: a virtual model, through the pipeline', () => {
  it('chat without streaming: the approved answer, the rlm summary, no thinking unless asked', async () => {
    scriptPipeline();
    const answer = await ollama.chat({ model: 'rlm', messages: [{ role: 'user', content: 'Capital of France?' }] });
    expect(answer.message.content).toBe('Paris is the capital of France.');
    expect(answer.message.thinking).toBeUndefined();
    expect(answer).toMatchObject({ model: 'rlm', done: true, done_reason: 'stop' });
    expect(answer.eval_count).toBeGreaterThan(0);
    expect((answer as unknown as { rlm: { approved: boolean } }).rlm.approved).toBe(true);

    scriptPipeline();
    const thinking = await ollama.chat({ model: 'rlm', messages: [{ role: 'user', content: 'Capital of France?' }], think: true });
    expect(thinking.message.thinking).toMatch(/verify: REJECTED, 1 issue[\s\S]*verify: APPROVED/);
  });

  it('chat streaming: progress as thinking only for a thinking client, then the answer', async () => {
    scriptPipeline();
    let content = '';
    let thinking = '';
    for await (const part of await ollama.chat({ model: 'rlm', messages: [{ role: 'user', content: 'Capital of France?' }], stream: true, think: true })) {
      content += part.message.content;
      thinking += part.message.thinking ?? '';
    }
    expect(content).toBe('Paris is the capital of France.');
    expect(thinking).toContain('revise: revised by llama3.2:latest');

    scriptPipeline();
    content = '';
    thinking = '';
    for await (const part of await ollama.chat({ model: 'rlm', messages: [{ role: 'user', content: 'Capital of France?' }], stream: true })) {
      content += part.message.content;
      thinking += part.message.thinking ?? '';
    }
    expect(content).toBe('Paris is the capital of France.');
    expect(thinking).toBe('');
  });

  it('generate, plain and streaming', async () => {
    scriptPipeline();
    const plain = await ollama.generate({ model: 'rlm', prompt: 'Capital of France?' });
    expect(plain.response).toBe('Paris is the capital of France.');
    expect(plain.done_reason).toBe('stop');
    scriptPipeline();
    let text = '';
    let thinking = '';
    for await (const part of await ollama.generate({ model: 'rlm', prompt: 'Capital of France?', stream: true, think: true })) {
      text += part.response;
      thinking += part.thinking ?? '';
    }
    expect(text).toBe('Paris is the capital of France.');
    expect(thinking).toContain('verify: APPROVED');
  });

  it('an empty chat is the "load" request `ollama run` starts with', async () => {
    const loaded = await ollama.chat({ model: 'rlm', messages: [] });
    expect(loaded).toMatchObject({ model: 'rlm', done: true, done_reason: 'load', message: { role: 'assistant', content: '' } });
    expect(stack.simulator.requests).toHaveLength(0);
  });
});

describe('the ollama client: embeddings', () => {
  it('embed() goes through the embeddings cache; the legacy embeddings() too', async () => {
    const first = await ollama.embed({ model: 'nomic-embed-text', input: ['hello', 'world'] });
    expect(first.embeddings).toHaveLength(2);
    expect(first.embeddings[0]).toHaveLength(768);
    const again = await ollama.embed({ model: 'nomic-embed-text', input: ['world', 'hello', 'new'] });
    expect(again.embeddings[0]).toEqual(first.embeddings[1]);
    expect(again.embeddings[1]).toEqual(first.embeddings[0]);
    const embedCalls = stack.simulator.requests.filter((request) => request.path === '/api/embed').map((request) => (request.body as { input: unknown }).input);
    expect(embedCalls).toEqual([['hello', 'world'], ['new']]);

    const legacy = await ollama.embeddings({ model: 'nomic-embed-text', prompt: 'hello' });
    expect(legacy.embedding).toEqual(first.embeddings[0]);
    expect(stack.simulator.requests.filter((request) => request.path === '/api/embed')).toHaveLength(2);
  });

  it('a virtual model does not embed: a 400 naming the models that do', async () => {
    await expect(ollama.embed({ model: 'rlm', input: 'x' })).rejects.toMatchObject({
      status_code: 400,
      message: expect.stringMatching(/^"rlm" does not support embeddings: .*Models that embed: .*nomic-embed-text:latest/),
    });
  });
});

describe('the ollama client: model management', () => {
  it('is refused with a 403 that says how to allow it', async () => {
    await expect(ollama.pull({ model: 'llama3.2' })).rejects.toMatchObject({
      status_code: 403,
      message: expect.stringContaining('--allow-model-management (or RLM_ALLOW_MODEL_MANAGEMENT=1)'),
    });
    await expect(ollama.delete({ model: 'llama3.2' })).rejects.toMatchObject({ status_code: 403 });
    expect(stack.simulator.requests).toHaveLength(0);
  });

  it('is forwarded to Ollama when allowed', async () => {
    const allowed = await startStack({ config: { allowModelManagement: true } });
    try {
      const client = new Ollama({ host: allowed.url });
      // The simulator has no /api/pull: its own 404 comes back, which shows the request reached it.
      await expect(client.pull({ model: 'llama3.2' })).rejects.toMatchObject({ status_code: 404, message: '404 page not found' });
      expect(allowed.simulator.requests.map((request) => [request.method, request.path, request.body])).toEqual([['POST', '/api/pull', { name: 'llama3.2', stream: false }]]);
    } finally {
      await allowed.close();
    }
  });
});
