import { describe, expect, it } from 'vitest';
import { ConfigFileError, parseRlmConfig } from '../../src/orchestrator/profiles/profile-config.js';

const profiles = { rlm: { generator: 'llama3.2:3b' } };

function problems(json: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseRlmConfig(json, 'rlm.config.json', undefined, env);
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems;
    throw error;
  }
  return [];
}

describe('backends in rlm.config.json', () => {
  it('is null without the key, so the one --ollama-host stays the backend', () => {
    expect(parseRlmConfig({ profiles }, 'f', undefined, {}).backends).toBeNull();
  });

  it('reads ollama and openai backends with their defaults, URLs normalised', () => {
    const config = parseRlmConfig(
      {
        profiles,
        backends: {
          laptop: { url: '127.0.0.1' },
          gpu: { type: 'ollama', url: 'http://gpu-box:11434/', maxConcurrent: 4 },
          vllm: { type: 'openai', url: 'http://vllm:8000/v1/', apiKeyEnv: 'VLLM_KEY', models: ['Qwen/Qwen2.5-32B-Instruct'], timeoutSeconds: 600, unsupported: ['logprobs'] },
        },
      },
      'f',
      undefined,
      { VLLM_KEY: ' secret ' },
    );
    expect(config.backends).toEqual([
      { name: 'laptop', type: 'ollama', url: 'http://127.0.0.1:11434', apiKey: undefined, models: null, maxConcurrent: null, timeoutMs: null, unsupported: [] },
      { name: 'gpu', type: 'ollama', url: 'http://gpu-box:11434', apiKey: undefined, models: null, maxConcurrent: 4, timeoutMs: null, unsupported: [] },
      { name: 'vllm', type: 'openai', url: 'http://vllm:8000', apiKey: 'secret', models: ['Qwen/Qwen2.5-32B-Instruct'], maxConcurrent: null, timeoutMs: 600_000, unsupported: ['logprobs'] },
    ]);
  });

  it('reports every problem with its key path', () => {
    const found = problems({
      profiles,
      backends: {
        'Bad Name': { url: 'http://a' },
        rlm: { url: 'http://b' },
        a: { type: 'vllm', url: 'http://c', maxConcurrent: 0, timeoutSeconds: -1 },
        b: { type: 'openai', url: 'ftp://d', apiKey: 'x', apiKeyEnv: 'Y' },
        c: { type: 'openai', url: 'http://e', apiKeyEnv: 'MISSING_KEY', unsupported: ['format'], models: ['m', 'm'] },
        d: { url: 'http://f', unsupported: ['tools'], extra: 1 },
        e: {},
      },
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^backends\["Bad Name"\]: a backend name must be/),
        expect.stringMatching(/^backends\.rlm: "rlm" is reserved/),
        expect.stringMatching(/^backends\.a\.type: must be "ollama" or "openai", got "vllm"/),
        expect.stringMatching(/^backends\.a\.maxConcurrent: must be a whole number from 1 to 4096/),
        expect.stringMatching(/^backends\.a\.timeoutSeconds: must be a whole number from 1 to 86400/),
        expect.stringMatching(/^backends\.b\.url: must be an http:\/\/ or https:\/\/ URL/),
        expect.stringMatching(/^backends\.b: give "apiKey" or "apiKeyEnv", not both/),
        expect.stringMatching(/^backends\.c\.apiKeyEnv: the environment variable MISSING_KEY is not set/),
        expect.stringMatching(/^backends\.c\.unsupported\[0\]: must be one of "structured"/),
        expect.stringMatching(/^backends\.c\.models\[1\]: "m" is listed twice/),
        expect.stringMatching(/^backends\.d\.unsupported: applies to "openai" backends only/),
        expect.stringMatching(/^backends\.d: unknown key "extra"/),
        expect.stringMatching(/^backends\.e\.url: is required/),
      ]),
    );
    expect(found).toHaveLength(13);
  });

  it('refuses a backend named like a profile, and a profile model naming a backend that is nearly there', () => {
    const found = problems({
      profiles: { fast: { generator: 'gpu/llama3.2:3b' }, big: { generator: 'gpu-box/qwen3:8b', ladder: ['gpu/qwen3:8b', 'vlm/x'] } },
      backends: { fast: { url: 'http://a' }, gpu: { url: 'http://b' }, vllm: { type: 'openai', url: 'http://c' } },
    });
    expect(found).toEqual([
      'backends.fast: has the same name as the profile "fast"; rename one of them',
      'profiles.big.ladder[1]: names the backend "vlm", which is not in backends (did you mean "vllm/x"?); backends: fast, gpu, vllm',
    ]);
  });

  it('leaves ids whose first segment is no backend alone (vLLM and Ollama namespaces)', () => {
    const config = parseRlmConfig(
      { profiles: { rlm: { generator: 'Qwen/Qwen2.5-7B-Instruct', verifier: 'library/qwen2.5:0.5b' } }, backends: { gpu: { url: 'http://b' } } },
      'f',
      undefined,
      {},
    );
    expect(config.profiles.rlm?.generator).toBe('Qwen/Qwen2.5-7B-Instruct');
  });

  it('must name at least one backend when present', () => {
    expect(problems({ profiles, backends: {} })).toEqual(['backends: must name at least one backend, or be left out (then --ollama-host is the backend)']);
    expect(problems({ profiles, backends: [] })[0]).toMatch(/^backends: must be an object of named backends/);
  });
});
