/**
 * The pipeline-overhead benchmark's world: an in-process `OllamaClient` whose every chat call takes
 * a known time (a timer of `modelMs`) and reports the time it really took as its `total_duration`,
 * as Ollama reports its own; the catalogue of its models; and a count of the file-system calls a run
 * makes (fsyncs and writes), taken by wrapping Node's own functions, so nothing in src/ is told.
 *
 * The models answer by stage, as the simulator's staged scripts do: a plan, a draft, a revision,
 * and a verdict that rejects a draft that was not revised when the question asks for a check
 * (`REVISING_QUESTION`), so such a run revises once, and approves anything else.
 */
import { open, rm } from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OllamaClient } from '../src/llm/ollama-client.js';
import type { ModelCatalog } from '../src/llm/model-catalog.js';
import type { OllamaChatRequest, OllamaChatResponse, OllamaTagModel } from '../src/types/ollama.js';
import { NotFoundError } from '../src/utils/errors.js';
import { sha256Hex } from '../src/utils/hash.js';
import type { RecordedRequest } from '../test/simulator/index.js';
import { stageOf, type StageName } from '../test/support/staged-script.js';

export const PLANNER = 'world-planner';
export const GENERATOR = 'world-generator';
export const VERIFIER = 'world-verifier';

export const DRAFT = 'The answer is 42.';
export const REVISION = 'The answer is 42 (revised).';
export const PLAN = JSON.stringify({ strategy: 'Answer directly and precisely.', checks: ['The answer names the number.'] });
export const APPROVED = JSON.stringify({ verdict: 'APPROVED', issues: [] });
export const REJECTED = JSON.stringify({ verdict: 'REJECTED', issues: ['The answer does not say it was checked.'] });
/** In a question, this makes the verifier reject the first draft. */
export const REVISING_QUESTION = 'and check it';

/** What each stage's model answers, given the text of the request's messages. */
export function stageAnswer(stage: StageName, text: string): string {
  switch (stage) {
    case 'plan':
      return PLAN;
    case 'generate':
      return DRAFT;
    case 'revise':
      return REVISION;
    case 'verify': {
      const drafts = [...text.matchAll(/<draft>([\s\S]*?)<\/draft>/g)];
      const revised = drafts.at(-1)?.[1]?.includes('(revised)') ?? false;
      return text.includes(REVISING_QUESTION) && !revised ? REJECTED : APPROVED;
    }
  }
}

export interface TimedClient extends OllamaClient {
  /** Calls answered and the time they took, in ms, since the client was made. */
  readonly calls: number;
  readonly modelMs: number;
}

export function createTimedClient(modelMs: number): TimedClient {
  let calls = 0;
  let spent = 0;
  const notUsed = (name: string) => (): never => {
    throw new Error(`the pipeline-overhead world does not answer ${name}`);
  };
  return {
    baseUrl: 'world:',
    get calls() {
      return calls;
    },
    get modelMs() {
      return spent;
    },
    async chat(request: OllamaChatRequest): Promise<OllamaChatResponse> {
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, modelMs));
      const text = request.messages.map((message) => message.content).join('\n');
      const content = stageAnswer(stageOf({ body: request } as RecordedRequest), text);
      const tookMs = performance.now() - started;
      calls++;
      spent += tookMs;
      const evalCount = Math.ceil(content.length / 4);
      return {
        model: request.model,
        created_at: '2025-01-01T00:00:00.000Z',
        message: { role: 'assistant', content },
        done: true,
        done_reason: 'stop',
        total_duration: Math.round(tookMs * 1e6),
        load_duration: 0,
        prompt_eval_count: 100,
        prompt_eval_duration: 0,
        eval_count: evalCount,
        eval_duration: Math.round(tookMs * 1e6),
        ...(request.logprobs ? { logprobs: [{ token: content, logprob: -0.05 }] } : {}),
      };
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

/** The world's models as /api/tags lists them: chat models that do not think, each with a digest. */
export function timedCatalog(): ModelCatalog {
  const installed: OllamaTagModel[] = [PLANNER, GENERATOR, VERIFIER].map((name) => ({
    name,
    model: name,
    modified_at: '2025-01-01T00:00:00Z',
    size: 0,
    digest: sha256Hex(`pipeline-overhead:${name}`),
    details: { parent_model: '', format: 'gguf', family: 'world', families: null, parameter_size: '1B', quantization_level: 'F16' },
    capabilities: ['completion'],
  }));
  const find = async (name: string): Promise<OllamaTagModel | undefined> => installed.find((model) => model.name === name);
  const missing = (name: string) => new NotFoundError(`the pipeline-overhead world has no model ${name}`, 'model', 'model_not_found');
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

export interface FileCalls {
  /** fsync and fdatasync, on files and directories alike. */
  syncs: number;
  writes: number;
}

/**
 * Counts fsync/fdatasync and write calls made through node:fs, node:fs/promises and FileHandle,
 * from now on, in this process. Installed once; the count only grows.
 */
export async function countFileCalls(): Promise<() => FileCalls> {
  const counts: FileCalls = { syncs: 0, writes: 0 };
  const probe = await open(join(tmpdir(), `rlm-bench-probe-${process.pid}`), 'w');
  const handlePrototype = Object.getPrototypeOf(probe) as Record<string, unknown>;
  await probe.close();
  await rm(join(tmpdir(), `rlm-bench-probe-${process.pid}`), { force: true });
  const wrap = (target: Record<string, unknown>, name: string, kind: keyof FileCalls): void => {
    const original = target[name];
    if (typeof original !== 'function') return;
    target[name] = function (this: unknown, ...args: unknown[]) {
      counts[kind]++;
      return (original as (...values: unknown[]) => unknown).apply(this, args);
    };
  };
  for (const name of ['sync', 'datasync']) wrap(handlePrototype, name, 'syncs');
  for (const name of ['write', 'writev']) wrap(handlePrototype, name, 'writes');
  // The module object itself, which ESM named imports are synced from (a namespace is read-only).
  const fsObject = createRequire(import.meta.url)('node:fs') as Record<string, unknown>;
  for (const name of ['fsync', 'fdatasync', 'fsyncSync', 'fdatasyncSync']) wrap(fsObject, name, 'syncs');
  for (const name of ['write', 'writev', 'writeSync', 'writevSync']) wrap(fsObject, name, 'writes');
  // Named imports of node:fs (`import { fdatasync } from 'node:fs'`) see the wrapped functions too.
  syncBuiltinESMExports();
  return () => ({ ...counts });
}
