/**
 * The policy benchmark's world: sums with known answers, and an in-process stand-in for Ollama
 * whose models are right with set probabilities. It implements the `OllamaClient` the pipeline is
 * given, so the real loop runs against it without HTTP, thousands of runs in seconds.
 *
 * Each answer is a function of the seed and the whole request (model, messages, options, format),
 * as a real model at temperature 0 with a fixed seed is: the same call gives the same answer, so
 * the call cache is as sound here as in production, a call with a fresh seed is a fresh draw, and
 * configurations that send the same first draft request share the same draw (which makes their
 * differences less noisy than independent samples would).
 *
 * - A generator (tier 0 or 1), asked to draft or to revise, writes `ANSWER: <n>`: the right sum
 *   with its tier's probability, otherwise the sum off by 1 to 3 either way (so a wrong revision
 *   repeats its draft one time in six, as small models do).
 * - The verifier knows the truth: it judges the draft inside the prompt's last `<draft>` block
 *   and errs at the configured rates (approving a wrong draft, rejecting a right one). It answers
 *   the real verdict JSON with per-token logprobs; at temperature 0 the verdict token is the
 *   likelier of two, so its probability lies in [0.5, 1]: near 1 for a right verdict
 *   (1 − ½u², mean 0.83), near 0.5 for a wrong one (½ + ½u², mean 0.67), u uniform.
 * - The errors are independent of the task and of each other; real verifiers tend to fail on the
 *   drafts their generators fail on, which this world does not model.
 */
import type { OllamaClient } from '../src/llm/ollama-client.js';
import type { ModelCatalog } from '../src/llm/model-catalog.js';
import type { OllamaChatRequest, OllamaChatResponse, OllamaLogprob, OllamaTagModel } from '../src/types/ollama.js';
import { NotFoundError } from '../src/utils/errors.js';
import { hashJson, sha256Hex } from '../src/utils/hash.js';
import { seededRandom } from '../test/support/seeded-random.js';

export interface WorldRates {
  /** Per generator model: the probability that a draft or revision is right. */
  accuracy: Readonly<Record<string, number>>;
  /** The verifier model's name. */
  verifier: string;
  /** P(APPROVED | the draft is wrong). */
  falseApproval: number;
  /** P(REJECTED | the draft is right). */
  falseRejection: number;
}

export interface Task {
  question: string;
  answer: number;
}

const QUESTION = /What is (\d+) \+ (\d+)\?/;
const ANSWER = /ANSWER: (-?\d+)/;
const DRAFT_BLOCK = /<draft>([\s\S]*?)<\/draft>/g;

/** `count` distinct sums ("What is 137 + 58?"), the same for a given seed. */
export function makeTasks(count: number, seed: number): Task[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const left = 100 + index;
    const right = 1 + Math.floor(random() * 99);
    return { question: `What is ${left} + ${right}?`, answer: left + right };
  });
}

/** The number a draft or answer gives, or null when it gives none. */
export function answerIn(text: string): number | null {
  const match = ANSWER.exec(text);
  return match === null ? null : Number(match[1]);
}

export interface WorldClient extends OllamaClient {
  /** Chat calls answered so far. */
  readonly calls: number;
}

export function createWorldClient(rates: WorldRates, seed: number): WorldClient {
  let calls = 0;
  const notUsed = (name: string) => (): never => {
    throw new Error(`the policy benchmark's world does not answer ${name}`);
  };
  return {
    baseUrl: 'world:',
    get calls() {
      return calls;
    },
    async chat(request: OllamaChatRequest): Promise<OllamaChatResponse> {
      calls++;
      const { stream: _stream, ...identity } = request;
      const random = seededRandom(Number.parseInt(hashJson({ seed, identity }).slice(0, 8), 16));
      const text = request.messages.map((message) => message.content).join('\n');
      const question = QUESTION.exec(text);
      if (question === null) throw new Error('the policy benchmark asked something that is not one of its sums');
      const truth = Number(question[1]) + Number(question[2]);
      const properties = typeof request.format === 'object' ? ((request.format.properties ?? {}) as Record<string, unknown>) : {};
      if ('verdict' in properties) return verdict(request.model, truth, lastDraft(text), rates, random);
      if ('strategy' in properties) return reply(request, JSON.stringify({ strategy: 'Add the two numbers.', checks: ['The sum is right.'] }));
      const accuracy = rates.accuracy[request.model];
      if (accuracy === undefined) throw new Error(`the policy benchmark's world has no generator ${request.model}`);
      const right = random() < accuracy;
      const offset = 1 + Math.floor(random() * 3);
      const sign = random() < 0.5 ? -1 : 1;
      return reply(request, `ANSWER: ${right ? truth : truth + sign * offset}`);
    },
    chatStream: notUsed('chatStream'),
    generate: notUsed('generate'),
    generateStream: notUsed('generateStream'),
    embed: notUsed('embed'),
    tags: notUsed('tags'),
    show: notUsed('show'),
    version: notUsed('version'),
  };
}

/**
 * The models the world has, as /api/tags would list them: each can chat, none thinks (so no
 * request gets `think`), and each has a digest, which the call cache keys its entries by.
 */
export function worldCatalog(rates: WorldRates): ModelCatalog {
  const installed: OllamaTagModel[] = [...Object.keys(rates.accuracy), rates.verifier].map((name) => ({
    name,
    model: name,
    modified_at: '2025-01-01T00:00:00Z',
    size: 0,
    digest: sha256Hex(`policy-world:${name}`),
    details: { parent_model: '', format: 'gguf', family: 'world', families: null, parameter_size: '1B', quantization_level: 'F16' },
    capabilities: ['completion'],
  }));
  const find = async (name: string): Promise<OllamaTagModel | undefined> => installed.find((model) => model.name === name);
  const missing = (name: string) => new NotFoundError(`the policy benchmark's world has no model ${name}`, 'model', 'model_not_found');
  return {
    list: async () => installed,
    find,
    require: async (name) => {
      const model = await find(name);
      if (model === undefined) throw missing(name);
      return model;
    },
    capabilities: async (name) => (await find(name))?.capabilities,
    notFound: async (name) => missing(name),
    lacks: () => [],
  };
}

function lastDraft(text: string): number | null {
  const blocks = [...text.matchAll(DRAFT_BLOCK)];
  const last = blocks.at(-1)?.[1];
  return last === undefined ? null : answerIn(last);
}

function verdict(model: string, truth: number, draft: number | null, rates: WorldRates, random: () => number): OllamaChatResponse {
  if (model !== rates.verifier) throw new Error(`the policy benchmark's world has no verifier ${model}`);
  const right = draft === truth;
  const erring = random() < (right ? rates.falseRejection : rates.falseApproval);
  const spread = random() ** 2 / 2;
  const probability = erring ? 0.5 + spread : 1 - spread;
  const approved = right !== erring;
  const issues = approved ? [] : [draft === null ? 'The draft gives no number.' : `${draft} is not the sum.`];
  const chosen = approved ? 'APPROVED' : 'REJECTED';
  // The tokens spell the content exactly, as Ollama's logprobs do; only the verdict token is uncertain.
  const tokens: OllamaLogprob[] = [
    { token: '{"verdict":"', logprob: -0.001 },
    { token: chosen, logprob: Math.log(probability) },
    { token: `","issues":${JSON.stringify(issues)}}`, logprob: -0.001 },
  ];
  return { ...response(model, tokens.map((token) => token.token).join('')), logprobs: tokens };
}

function reply(request: OllamaChatRequest, content: string): OllamaChatResponse {
  return response(request.model, content);
}

function response(model: string, content: string): OllamaChatResponse {
  return {
    model,
    created_at: '2025-01-01T00:00:00.000Z',
    message: { role: 'assistant', content },
    done: true,
    done_reason: 'stop',
    prompt_eval_count: 0,
    eval_count: Math.ceil(content.length / 4),
  };
}
