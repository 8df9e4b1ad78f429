/**
 * What the gateway benchmark sends: per scenario, the concurrency, how long or how many, and for
 * each target the path and the bodies. `direct` is the same work asked of the simulator natively
 * (non-streaming chat as `stream: false`), so that "added" is what a client pays for the hop.
 */
import { CHAT_MODEL, CODE_MODEL, EMBED_MODEL } from './gateway-world.js';

export type TargetName = 'direct' | 'proxy' | 'rlm';
export const TARGETS: readonly TargetName[] = ['direct', 'proxy', 'rlm'];

export interface Scenario {
  key: string;
  concurrency: number;
  /** Measured requests (latency scenarios) or, without it, a measured duration (throughput). */
  requests?: number;
  /** Whether the hop's CPU time per request is taken over this scenario. */
  cpu?: boolean;
  request(target: TargetName): { path: string; body: (index: number) => string; firstContent?: string };
}

const messages = [{ role: 'user', content: 'Say twenty words.' }];
const FIM_PROMPT = 'function add(a, b) {\n  ';
const FIM_SUFFIX = '\n}';
export const EMBED_INPUTS = 64;

const chat = (stream: boolean, firstContent?: string) => (target: TargetName) => {
  // The native and the OpenAI bodies are the same here: model, messages, stream.
  const body = JSON.stringify({ model: CHAT_MODEL, messages, stream });
  return { path: target === 'direct' ? '/api/chat' : '/v1/chat/completions', body: () => body, ...(firstContent && { firstContent }) };
};

/** Every request's inputs are new to rlm's cache: the run id, the request's index and the input's. */
let missRun = 0;
const embedMiss = (target: TargetName) => {
  const run = ++missRun;
  const path = target === 'direct' ? '/api/embed' : '/v1/embeddings';
  return {
    path,
    body: (index: number) =>
      JSON.stringify({ model: EMBED_MODEL, input: Array.from({ length: EMBED_INPUTS }, (_, item) => `miss ${run} ${index} ${item}: a line of source code to embed`) }),
  };
};

const HIT_INPUTS = Array.from({ length: EMBED_INPUTS }, (_, item) => `hit ${item}: a line of source code to embed`);
const embedHit = (target: TargetName) => {
  const body = JSON.stringify({ model: EMBED_MODEL, input: HIT_INPUTS });
  return { path: target === 'direct' ? '/api/embed' : '/v1/embeddings', body: () => body };
};

const completion = (target: TargetName) => {
  if (target === 'direct') {
    const body = JSON.stringify({ model: CODE_MODEL, prompt: FIM_PROMPT, suffix: FIM_SUFFIX, stream: true, options: { num_predict: 16 } });
    return { path: '/api/generate', body: () => body, firstContent: '"response":"return' };
  }
  const body = JSON.stringify({ model: CODE_MODEL, prompt: FIM_PROMPT, suffix: FIM_SUFFIX, stream: true, max_tokens: 16 });
  return { path: '/v1/completions', body: () => body, firstContent: '"text":"return' };
};

export function scenarios(latencyRequests: number, embedRequests: number): Scenario[] {
  return [
    { key: 'chat c=1', concurrency: 1, requests: latencyRequests, request: chat(false) },
    { key: 'chat c=32', concurrency: 32, cpu: true, request: chat(false) },
    { key: 'chat c=128', concurrency: 128, request: chat(false) },
    { key: 'stream c=1', concurrency: 1, requests: latencyRequests, request: chat(true, '"content":"word1') },
    { key: 'stream c=32', concurrency: 32, cpu: true, request: chat(true, '"content":"word1') },
    { key: 'stream c=128', concurrency: 128, request: chat(true, '"content":"word1') },
    { key: 'completions c=1', concurrency: 1, requests: latencyRequests, request: completion },
    { key: 'embed miss c=1', concurrency: 1, requests: embedRequests, request: embedMiss },
    { key: 'embed hit c=1', concurrency: 1, requests: embedRequests, request: embedHit },
  ];
}
