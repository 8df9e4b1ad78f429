/**
 * Ollama's native API on rlm, at the wire: the exact NDJSON of a pipeline answer for a thinking and
 * a non-thinking client, Ollama's error shape and statuses, and pass-through streams relayed as
 * Ollama sent them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postJson, startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, rejected, stagedScript } from '../support/staged-script.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ rlmConfig: { cache: { enabled: false } } });
});
afterAll(async () => stack.close());
beforeEach(() => stack.simulator.reset());

function scriptPipeline(): void {
  stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [rejected('Wrong city.'), APPROVED] }));
  stack.simulator.script('llama3.2:latest', stagedScript({ generate: 'Lyon.', revise: 'Paris is the capital of France, on the Seine.' }));
}

const AT = '"created_at":"2023-11-14T22:13:20Z"';
const question = { role: 'user', content: 'Capital of France?' };

/** The final line's `rlm` object, after the run id in the header. */
function rlmSummary(runId: string): string {
  return (
    `"rlm":{"run_id":"${runId}","approved":true,"confidence":0.959,"confidence_raw":0.959,"confidence_calibration":null,` +
    `"attempts":8,"escalated":false,"models":["llama3.2:latest","qwen2.5:0.5b"]}`
  );
}

const METRICS = '"total_duration":98250000,"load_duration":4000000,"prompt_eval_count":321,"prompt_eval_duration":80250000,"eval_count":13,"eval_duration":13000000';

describe('a virtual model on /api/chat: the exact NDJSON', () => {
  it('a thinking client gets the stage progress as thinking, then the answer, then the done line with the run\'s metrics', async () => {
    scriptPipeline();
    const response = await postJson(`${stack.url}/api/chat`, { model: 'rlm', messages: [question], think: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const runId = response.headers.get('x-rlm-run-id') as string;
    const thinking = (text: string): string => `{"model":"rlm",${AT},"message":{"role":"assistant","content":"","thinking":"${text}\\n"},"done":false}\n`;
    const content = (text: string): string => `{"model":"rlm",${AT},"message":{"role":"assistant","content":"${text}"},"done":false}\n`;
    expect(response.text).toBe(
      thinking('plan: skipped, a short request (18 characters) needs no plan') +
        thinking('generate: draft from llama3.2:latest (tier 0)') +
        thinking('verify: REJECTED, 1 issue (qwen2.5:0.5b)') +
        thinking('revise: revised by llama3.2:latest') +
        thinking('verify: APPROVED (qwen2.5:0.5b)') +
        content('Paris is the capital of France, on') +
        content(' the Seine.') +
        `{"model":"rlm",${AT},"message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS},${rlmSummary(runId)}}\n`,
    );
  });

  it('a client that does not ask to think gets only the answer and the done line', async () => {
    scriptPipeline();
    const response = await postJson(`${stack.url}/api/chat`, { model: 'rlm', messages: [question] });
    const runId = response.headers.get('x-rlm-run-id') as string;
    expect(response.text).toBe(
      `{"model":"rlm",${AT},"message":{"role":"assistant","content":"Paris is the capital of France, on"},"done":false}\n` +
        `{"model":"rlm",${AT},"message":{"role":"assistant","content":" the Seine."},"done":false}\n` +
        `{"model":"rlm",${AT},"message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS},${rlmSummary(runId)}}\n`,
    );
  });

  it('think:false counts as not asking, and stream:false is one JSON object with the headers of a run', async () => {
    scriptPipeline();
    const response = await postJson(`${stack.url}/api/chat`, { model: 'rlm:latest', messages: [question], think: false, stream: false });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('x-rlm-approved')).toBe('true');
    expect(response.headers.get('x-rlm-confidence')).toBe('0.959');
    const runId = response.headers.get('x-rlm-run-id') as string;
    expect(response.text).toBe(
      `{"model":"rlm:latest",${AT},"message":{"role":"assistant","content":"Paris is the capital of France, on the Seine."},"done":true,"done_reason":"stop",${METRICS},${rlmSummary(runId)}}`,
    );
  });

  it('/api/generate answers in generate\'s shape, thinking at the top level', async () => {
    scriptPipeline();
    const response = await postJson(`${stack.url}/api/generate`, { model: 'rlm', prompt: 'Capital of France?', think: 'high' });
    const lines = response.text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toEqual({ model: 'rlm', created_at: '2023-11-14T22:13:20Z', response: '', thinking: 'plan: skipped, a short request (18 characters) needs no plan\n', done: false });
    expect(lines.at(-2)).toEqual({ model: 'rlm', created_at: '2023-11-14T22:13:20Z', response: ' the Seine.', done: false });
    expect(lines.at(-1)).toMatchObject({ response: '', done: true, done_reason: 'stop', eval_count: 13 });
  });

  it('tool calls come on their own chunk before the done line, arguments as an object', async () => {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('calls the tool'), verify: APPROVED }));
    stack.simulator.script('llama3.2:latest', stagedScript({ generate: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] } }));
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    const response = await postJson(`${stack.url}/api/chat`, { model: 'rlm', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools });
    const lines = response.text.trimEnd().split('\n').map((line) => JSON.parse(line) as { message: { tool_calls?: unknown[] }; done: boolean });
    const calls = lines.filter((line) => line.message.tool_calls !== undefined);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.done).toBe(false);
    expect(calls[0]?.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call/), function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } }]);
    expect(lines.at(-1)?.done).toBe(true);
  });

  it('the "load" and "unload" requests are answered at once, without a run', async () => {
    const load = await postJson(`${stack.url}/api/generate`, { model: 'rlm' });
    expect(load.text).toBe(`{"model":"rlm",${AT},"response":"","done":true,"done_reason":"load"}`);
    const unload = await postJson(`${stack.url}/api/chat`, { model: 'rlm', messages: [], keep_alive: 0 });
    expect(JSON.parse(unload.text)).toMatchObject({ done_reason: 'unload' });
    expect(stack.simulator.requests).toHaveLength(0);
  });
});

describe('errors on the native routes are Ollama\'s shape', () => {
  it('bodies and missing models, with Ollama\'s statuses', async () => {
    const cases: [string, unknown, number, string | RegExp][] = [
      ['/api/chat', { messages: [question] }, 400, 'model is required'],
      ['/api/show', {}, 400, 'model is required'],
      ['/api/embeddings', { prompt: 'x' }, 400, 'model is required'],
      ['/api/generate', { prompt: 'x' }, 404, "model '' not found"],
      ['/api/embed', { input: 'x' }, 404, "model '' not found"],
      ['/api/embed', { model: 'nomic-embed-text', input: 3 }, 400, 'invalid input type'],
      ['/api/chat', '', 400, 'The request body is empty; send a JSON object.'],
      ['/api/chat', '[1]', 400, 'json: cannot unmarshal an array into Go value of type api.ChatRequest'],
      ['/api/show', { model: 'nope' }, 404, /^model 'nope' not found\. Ollama models: /],
    ];
    for (const [path, body, status, message] of cases) {
      const response = await postJson(`${stack.url}${path}`, body);
      expect([path, response.status]).toEqual([path, status]);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const parsed = response.json() as { error: string };
      expect(Object.keys(parsed)).toEqual(['error']);
      if (typeof message === 'string') expect(parsed.error).toBe(message);
      else expect(parsed.error).toMatch(message);
    }
  });

  it('an unknown /api path is a 404 naming the routes, a wrong method a 405 with Allow', async () => {
    const unknown = await fetch(`${stack.url}/api/nothing`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/^404 page not found: GET \/api\/nothing\. rlm's Ollama API answers GET \/, /);
    const wrong = await fetch(`${stack.url}/api/chat`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(await wrong.json()).toEqual({ error: '405 method not allowed: GET /api/chat; use POST' });
  });

  it("Ollama's own error keeps its status and message; a failure mid-stream is Ollama's trailing error line", async () => {
    const badOption = await postJson(`${stack.url}/api/chat`, { model: 'llama3.2', messages: [question], options: { temperature: 'hot' } });
    expect(badOption.status).toBe(500);
    expect(badOption.json()).toEqual({ error: 'Ollama failed (HTTP 500): option "temperature" must be of type float32' });

    stack.simulator.script('llama3.2:latest', { content: 'one two three four', fault: { kind: 'error-line', afterChunks: 2, message: 'model crashed' } });
    const broken = await postJson(`${stack.url}/api/chat`, { model: 'llama3.2', messages: [question] });
    expect(broken.status).toBe(200);
    const lines = broken.text.trimEnd().split('\n');
    expect(lines.slice(0, 2).map((line) => (JSON.parse(line) as { message: { content: string } }).message.content)).toEqual(['one', ' two']);
    expect(lines[2]).toBe('{"error":"model crashed"}');
    expect(lines).toHaveLength(3);
  });

  it('a pipeline that cannot start is a real status: a profile model missing', async () => {
    const response = await postJson(`${stack.url}/api/chat`, { model: 'rlm/nope:1b', messages: [question] });
    expect(response.status).toBe(404);
    expect((response.json() as { error: string }).error).toMatch(/nope:1b/);
  });
});

describe('GET / and the pass-through relay', () => {
  it('GET and HEAD / answer "Ollama is running" as Ollama does', async () => {
    const root = await fetch(`${stack.url}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await root.text()).toBe('Ollama is running');
    const head = await fetch(`${stack.url}/`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it("relays an installed model's stream line for line, done line included", async () => {
    stack.simulator.script('llama3.2:latest', 'Hello there.');
    const response = await postJson(`${stack.url}/api/chat`, { model: 'llama3.2', messages: [question] });
    const lines = response.text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => (line.message as { content: string }).content)).toEqual(['Hello', ' there.', '']);
    expect(Object.keys(lines.at(-1) as object)).toEqual([
      'model', 'created_at', 'message', 'done', 'done_reason', 'total_duration', 'load_duration', 'prompt_eval_count', 'prompt_eval_duration', 'eval_count', 'eval_duration',
    ]);
  });
});

describe('a slow or failing pipeline run on /api/chat', () => {
  it('a quiet run opens after one keep-alive interval and sends empty chunks while it works; the answer is unchanged', async () => {
    const slow = await startStack({ config: { keepAliveMs: 50 }, simulator: { firstTokenLatencyMs: 120 } });
    try {
      slow.simulator.script('qwen2.5:0.5b', stagedScript({ verify: APPROVED }));
      slow.simulator.script('llama3.2:latest', stagedScript({ generate: 'Paris.' }));
      const response = await postJson(`${slow.url}/api/chat`, { model: 'rlm', messages: [question] });
      expect(response.status).toBe(200);
      const lines = response.text.trimEnd().split('\n').map((line) => JSON.parse(line) as { message: { content: string; thinking?: string }; done: boolean });
      const keepAlives = lines.filter((line) => !line.done && line.message.content === '' && line.message.thinking === undefined);
      expect(keepAlives.length).toBeGreaterThan(0);
      expect(lines.map((line) => line.message.content).join('')).toBe('Paris.');
      expect(lines.at(-1)?.done).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('a run that fails before its first line has gone out gets its real status', async () => {
    stack.simulator.script('llama3.2:latest', { fault: { kind: 'http-error', status: 500, message: 'out of memory' } });
    const response = await postJson(`${stack.url}/api/chat`, { model: 'rlm', messages: [question] });
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect((response.json() as { error: string }).error).toMatch(/out of memory/);
  });
});

describe("Ollama's own Go client (`ollama show`, `ollama run`)", () => {
  it('sends the deprecated `name` beside an empty `model`: the name is the model', async () => {
    const show = await postJson(`${stack.url}/api/show`, { model: '', name: 'rlm' });
    expect(show.status).toBe(200);
    expect((show.json() as { modelfile: string }).modelfile).toMatch(/^# rlm pipeline model "rlm"/);
    const installed = await postJson(`${stack.url}/api/show`, { model: '', name: 'llama3.2' });
    expect((installed.json() as { capabilities: string[] }).capabilities).toEqual(['completion', 'tools']);
  });
});
