/**
 * Does the simulator speak Ollama's protocol as a real Ollama does? The same requests go to both,
 * with the simulator given the real server's models, and the answers are compared: statuses, error
 * strings, and the set of fields (with their JSON types) of every object, NDJSON lines included.
 * Wherever they differ, the simulator is wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_MODELS } from '../support/real-ollama.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { realOllamaUrl, realSkipped } from './real-stack.js';

/** The real server's models, as the simulator should present them. */
const SIMULATED = [
  { name: REAL_MODELS.chat, family: 'llama', parameterSize: '134.52M', quantization: 'Q4_1', capabilities: ['completion'], contextLength: 8192 },
  { name: REAL_MODELS.ladder, family: 'gemma3', parameterSize: '268.10M', quantization: 'Q4_K_M', capabilities: ['completion'], contextLength: 32768 },
  { name: REAL_MODELS.embed, family: 'bert', parameterSize: '22.57M', quantization: 'F16', capabilities: ['embedding'], contextLength: 512, embeddingLength: 384 },
];

interface Case {
  name: string;
  method?: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

const chat = REAL_MODELS.chat;
const embed = REAL_MODELS.embed;
const few = { num_predict: 4, temperature: 0, seed: 1 };
const CASES: Case[] = [
  { name: 'version', method: 'GET', path: '/api/version' },
  { name: 'tags', method: 'GET', path: '/api/tags' },
  { name: 'show', path: '/api/show', body: { model: chat } },
  { name: 'show: a missing model', path: '/api/show', body: { model: 'missing:1b' } },
  { name: 'chat', path: '/api/chat', body: { model: chat, messages: [{ role: 'user', content: 'Hi' }], stream: false, options: few } },
  { name: 'chat: streamed', path: '/api/chat', body: { model: chat, messages: [{ role: 'user', content: 'Hi' }], options: few } },
  { name: 'chat: a JSON schema format', path: '/api/chat', body: { model: chat, messages: [{ role: 'user', content: 'A name' }], stream: false, format: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }, options: { ...few, num_predict: 16 } } },
  { name: 'chat: logprobs', path: '/api/chat', body: { model: chat, messages: [{ role: 'user', content: 'Hi' }], stream: false, logprobs: true, top_logprobs: 2, options: few } },
  { name: 'chat: think false on a model that cannot think', path: '/api/chat', body: { model: chat, messages: [{ role: 'user', content: 'Hi' }], stream: false, think: false, options: few } },
  { name: 'chat: think true on a model that cannot think', path: '/api/chat', body: { model: chat, messages: [{ role: 'user', content: 'Hi' }], stream: false, think: true, options: few } },
  { name: 'chat: a missing model', path: '/api/chat', body: { model: 'missing:1b', messages: [{ role: 'user', content: 'Hi' }] } },
  { name: 'chat: no model', path: '/api/chat', body: { messages: [{ role: 'user', content: 'Hi' }] } },
  { name: 'chat: a body that is not JSON', path: '/api/chat', body: '{"model":' },
  { name: 'chat: an embedding model', path: '/api/chat', body: { model: embed, messages: [{ role: 'user', content: 'Hi' }], stream: false } },
  { name: 'chat: tools on a model without tools', path: '/api/chat', body: { model: chat, messages: [{ role: 'user', content: 'Hi' }], stream: false, tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object', properties: {} } } }] } },
  { name: 'generate', path: '/api/generate', body: { model: chat, prompt: 'Hi', stream: false, options: few } },
  { name: 'generate: streamed', path: '/api/generate', body: { model: chat, prompt: 'Hi', options: few } },
  { name: 'generate: raw', path: '/api/generate', body: { model: chat, prompt: 'def f(', raw: true, stream: false, options: few } },
  { name: 'generate: a suffix on a model without insert', path: '/api/generate', body: { model: chat, prompt: 'def f(', suffix: ')', stream: false, options: few } },
  { name: 'generate: a missing model', path: '/api/generate', body: { model: 'missing:1b', prompt: 'Hi' } },
  { name: 'embed', path: '/api/embed', body: { model: embed, input: ['a cat', 'a dog'] } },
  { name: 'embed: dimensions', path: '/api/embed', body: { model: embed, input: 'a cat', dimensions: 8 } },
  { name: 'embed: a missing model', path: '/api/embed', body: { model: 'missing:1b', input: 'a cat' } },
  { name: 'embed: a chat model', path: '/api/embed', body: { model: chat, input: 'a cat' } },
];

interface Observed {
  status: number;
  contentType: string;
  /** For an error: Ollama's `error` string. */
  error?: string;
  /** Field paths with JSON types, per object (NDJSON: the first line and the last line). */
  shapes: string[][];
}

/** "message.content:string" style paths; arrays are described by their first element. */
function shape(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length === 0 ? [`${prefix}:array`] : [`${prefix}:array`, ...shape(value[0], `${prefix}[]`)];
  if (value !== null && typeof value === 'object') {
    const paths = prefix === '' ? [] : [`${prefix}:object`];
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) paths.push(...shape(inner, prefix === '' ? key : `${prefix}.${key}`));
    return paths.sort();
  }
  return [`${prefix}:${value === null ? 'null' : typeof value}`];
}

/**
 * model_info holds every key of the GGUF's metadata, which depends on the architecture and the file;
 * only the keys that clients read are compared.
 */
const MODEL_INFO_KEYS = /^model_info(:object|\.general\.(architecture|parameter_count):|\.[a-z0-9]+\.(context_length|embedding_length):)/;
function comparable(path: string): boolean {
  return !path.startsWith('model_info') || MODEL_INFO_KEYS.test(path);
}

/** Values that legitimately differ between servers (times, sizes, digests, generated text) keep their type only. */
async function observe(baseUrl: string, testCase: Case): Promise<Observed> {
  const response = await fetch(`${baseUrl}${testCase.path}`, {
    method: testCase.method ?? 'POST',
    ...(testCase.body === undefined ? {} : { body: typeof testCase.body === 'string' ? testCase.body : JSON.stringify(testCase.body) }),
  });
  const text = await response.text();
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!;
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const objects = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const observed: Observed = { status: response.status, contentType, shapes: [] };
  if (objects.length === 1 && typeof objects[0]!.error === 'string') observed.error = objects[0]!.error as string;
  observed.shapes = (objects.length <= 1 ? objects.map((object) => shape(object)) : [shape(objects[0]), shape(objects.at(-1))]).map((paths) => paths.filter(comparable));
  return observed;
}

describe.skipIf(realSkipped !== undefined)('simulator fidelity against a real Ollama', () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator({ models: SIMULATED });
  });
  afterAll(async () => simulator?.close());

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const real = await observe(realOllamaUrl(), testCase);
      const simulated = await observe(simulator.url, testCase);
      expect(simulated, `real Ollama answered ${JSON.stringify(real)}`).toEqual(real);
    });
  }
});
