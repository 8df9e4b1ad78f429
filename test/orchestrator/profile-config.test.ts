import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigFileError,
  DEFAULT_SETTINGS,
  DEFAULT_STAGE_OPTIONS,
  loadRlmConfig,
  parseRlmConfig,
} from '../../src/orchestrator/profiles/profile-config.js';
import { ConfigError } from '../../src/server/config.js';
import type { OllamaTagModel } from '../../src/types/ollama.js';
import type { Profile } from '../../src/types/profile.js';

function model(name: string, parameterSize: string): OllamaTagModel {
  return {
    name,
    model: name,
    modified_at: '2025-01-01T00:00:00Z',
    size: 1,
    digest: 'd',
    details: { parent_model: '', format: 'gguf', family: 'llama', families: null, parameter_size: parameterSize, quantization_level: 'Q4_K_M' },
    capabilities: ['completion'],
  };
}

const INSTALLED = [model('qwen2.5:0.5b', '494.03M'), model('llama3.2:3b', '3.2B'), model('qwen3:8b', '8.2B')];

/** The problems a config produces, or fails the test if it is accepted. */
function problemsOf(json: unknown, derived?: Profile): string[] {
  try {
    parseRlmConfig(json, '/etc/rlm.config.json', derived);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('/etc/rlm.config.json');
    return (error as ConfigError).problems;
  }
  return expect.unreachable('the config was accepted');
}

const EXAMPLE = {
  defaultProfile: 'rlm',
  profiles: {
    rlm: {
      planner: 'qwen2.5:0.5b',
      generator: 'llama3.2:3b',
      verifier: 'qwen2.5:0.5b',
      ladder: ['qwen3:8b'],
      maxRevisions: 2,
      plan: 'auto',
      onExhausted: 'best',
      unapprovedText: 'note',
      unapprovedStructured: 'error',
      minApprovalProbability: null,
      progress: true,
      stages: { generate: { num_predict: 4096 }, verify: { temperature: 0 } },
    },
  },
  maxConcurrentRuns: 2,
  maxQueuedRuns: 32,
  cache: { enabled: true, maxEntries: 1000 },
  retentionDays: 30,
};

describe('parseRlmConfig', () => {
  it('reads the documented example', () => {
    const config = parseRlmConfig(EXAMPLE, 'rlm.config.json');
    expect(config.source).toBe('rlm.config.json');
    expect(config.defaultProfile).toBe('rlm');
    expect(config.settings).toEqual(DEFAULT_SETTINGS);
    expect(config.profiles.rlm).toEqual({
      name: 'rlm',
      planner: 'qwen2.5:0.5b',
      generator: 'llama3.2:3b',
      verifier: 'qwen2.5:0.5b',
      ladder: ['qwen3:8b'],
      maxRevisions: 2,
      plan: 'auto',
      onExhausted: 'best',
      unapprovedText: 'note',
      unapprovedStructured: 'error',
      minApprovalProbability: null,
      progress: true,
      stages: { ...DEFAULT_STAGE_OPTIONS, generate: { ...DEFAULT_STAGE_OPTIONS.generate, num_predict: 4096 } },
      index: null,
      k: 6,
    });
  });

  it('fills defaults: planner and verifier are the generator, no ladder, default policies and settings', () => {
    const config = parseRlmConfig({ profiles: { fast: { generator: 'llama3.2:3b' } } }, 'f');
    expect(config.defaultProfile).toBe('fast');
    expect(config.settings).toEqual(DEFAULT_SETTINGS);
    expect(config.profiles.fast).toEqual({
      name: 'fast',
      planner: 'llama3.2:3b',
      generator: 'llama3.2:3b',
      verifier: 'llama3.2:3b',
      ladder: [],
      maxRevisions: 2,
      plan: 'auto',
      onExhausted: 'best',
      unapprovedText: 'note',
      unapprovedStructured: 'error',
      minApprovalProbability: null,
      progress: true,
      stages: DEFAULT_STAGE_OPTIONS,
      index: null,
      k: 6,
    });
  });

  it('reads a retrieval index and k, and names a bad one', () => {
    const config = parseRlmConfig({ profiles: { docs: { generator: 'm', index: 'project', k: 4 } } }, 'f');
    expect(config.profiles.docs).toMatchObject({ index: 'project', k: 4 });
    expect(() => parseRlmConfig({ profiles: { docs: { generator: 'm', index: 'Bad Name', k: 0 } } }, 'f')).toThrow(
      /profiles\.docs\.index: must be the name of an index[\s\S]*profiles\.docs\.k: must be a whole number from 1 to 50/,
    );
  });

  it('merges stage options key by key, without touching the defaults', () => {
    const stages = { plan: { keep_alive: '10m', num_ctx: 0 }, revise: { temperature: 0.7, seed: -3, num_predict: -1, keep_alive: null }, verify: { keep_alive: 300 } };
    const config = parseRlmConfig({ profiles: { a: { generator: 'm', stages } } }, 'f');
    expect(config.profiles.a?.stages).toEqual({
      plan: { temperature: 0, seed: 42, num_ctx: 0, num_predict: 512, keep_alive: '10m' },
      generate: { temperature: 0, seed: 42, num_ctx: null, num_predict: 2048, keep_alive: null },
      verify: { temperature: 0, seed: 42, num_ctx: null, num_predict: 512, keep_alive: 300 },
      revise: { temperature: 0.7, seed: -3, num_ctx: null, num_predict: -1, keep_alive: null },
    });
    expect(DEFAULT_STAGE_OPTIONS.plan).toEqual({ temperature: 0, seed: 42, num_ctx: null, num_predict: 512, keep_alive: null });
  });

  it('defaultProfile is "rlm" when present, else the first profile', () => {
    expect(parseRlmConfig({ profiles: { a: { generator: 'm' }, rlm: { generator: 'm' } } }, 'f').defaultProfile).toBe('rlm');
    expect(parseRlmConfig({ profiles: { b: { generator: 'm' }, a: { generator: 'm' } } }, 'f').defaultProfile).toBe('b');
    expect(parseRlmConfig({ defaultProfile: 'a', profiles: { b: { generator: 'm' }, a: { generator: 'm' } } }, 'f').defaultProfile).toBe('a');
  });

  it.each([
    [{ maxRevisions: -1 }, 'profiles.fast.maxRevisions: must be a whole number from 0 to 10, got -1'],
    [{ maxRevisions: 11 }, 'profiles.fast.maxRevisions: must be a whole number from 0 to 10, got 11'],
    [{ maxRevisions: 1.5 }, 'profiles.fast.maxRevisions: must be a whole number from 0 to 10, got 1.5'],
    [{ plan: 'sometimes' }, 'profiles.fast.plan: must be "always", "auto" or "never", got "sometimes"'],
    [{ onExhausted: 'fail' }, 'profiles.fast.onExhausted: must be "best" or "error", got "fail"'],
    [{ progress: 'yes' }, 'profiles.fast.progress: must be true or false, got "yes"'],
    [{ unapprovedText: 'hide' }, 'profiles.fast.unapprovedText: must be "note" or "bare", got "hide"'],
    [{ unapprovedStructured: 'note' }, 'profiles.fast.unapprovedStructured: must be "error" or "bare", got "note"'],
    [{ minApprovalProbability: 1.5 }, 'profiles.fast.minApprovalProbability: must be null (off) or a number from 0 to 1, e.g. 0.8, got 1.5'],
    [{ minApprovalProbability: '0.8' }, 'profiles.fast.minApprovalProbability: must be null (off) or a number from 0 to 1, e.g. 0.8, got "0.8"'],
    [{ planner: '' }, 'profiles.fast.planner: must be an Ollama model name such as "llama3.2:3b", got ""'],
    [{ verifier: 3 }, 'profiles.fast.verifier: must be an Ollama model name such as "llama3.2:3b", got 3'],
    [{ ladder: 'qwen3:8b' }, 'profiles.fast.ladder: must be a list of model names, e.g. ["qwen3:8b"], got "qwen3:8b"'],
    [{ ladder: ['qwen3:8b', '  '] }, 'profiles.fast.ladder[1]: must be an Ollama model name such as "llama3.2:3b", got "  "'],
    [{ stages: [] }, 'profiles.fast.stages: must be an object, got []'],
    [{ stages: { generate: 5 } }, 'profiles.fast.stages.generate: must be an object, got 5'],
    [{ stages: { generate: { temperature: 3 } } }, 'profiles.fast.stages.generate.temperature: must be a number from 0 to 2, got 3'],
    [{ stages: { plan: { seed: 'x' } } }, 'profiles.fast.stages.plan.seed: must be a whole number, got "x"'],
    [{ stages: { verify: { num_ctx: -1 } } }, "profiles.fast.stages.verify.num_ctx: must be null (the server's --num-ctx) or a whole number of 0 or more (0 leaves it to Ollama), got -1"],
    [{ stages: { revise: { num_predict: 0 } } }, 'profiles.fast.stages.revise.num_predict: must be -1 (unbounded) or a whole number of 1 or more, got 0'],
    [{ stages: { plan: { keep_alive: true } } }, 'profiles.fast.stages.plan.keep_alive: must be a duration like "5m", a number of seconds, or null, got true'],
    [{ stages: { generation: {} } }, 'profiles.fast.stages: unknown key "generation" (did you mean "generate"?)'],
    [{ stages: { plan: { num_predicts: 5 } } }, 'profiles.fast.stages.plan: unknown key "num_predicts" (did you mean "num_predict"?)'],
  ])('profile field %j -> %s', (fields, expected) => {
    expect(problemsOf({ profiles: { fast: { generator: 'llama3.2:3b', ...fields } } })).toEqual([expected]);
  });

  it.each([
    [{ profiles: { fast: {} } }, 'profiles.fast.generator: is required: the model that writes the answers, e.g. "llama3.2:3b"'],
    [{ profiles: [] }, 'profiles: must be an object, got []'],
    [{ profiles: {} }, 'profiles: must hold at least one profile, e.g. {"rlm": {"generator": "llama3.2:3b"}}'],
    [{ profiles: { fast: 'llama3.2:3b' } }, 'profiles.fast: must be an object, got "llama3.2:3b"'],
    [{ defaultProfile: 'fsat', profiles: { fast: { generator: 'm' } } }, 'defaultProfile: must name one of the profiles (fast), got "fsat" (did you mean "fast"?)'],
    [{ defaultProfile: 7, profiles: { fast: { generator: 'm' } } }, 'defaultProfile: must name one of the profiles (fast), got 7'],
    [{ maxConcurrentRuns: 0, profiles: { a: { generator: 'm' } } }, 'maxConcurrentRuns: must be a whole number from 1 to 64, got 0'],
    [{ maxQueuedRuns: -1, profiles: { a: { generator: 'm' } } }, 'maxQueuedRuns: must be a whole number from 0 to 10000, got -1'],
    [{ cache: { enabled: 1 }, profiles: { a: { generator: 'm' } } }, 'cache.enabled: must be true or false, got 1'],
    [{ cache: { maxEntries: '5' }, profiles: { a: { generator: 'm' } } }, 'cache.maxEntries: must be a whole number from 0 to 1000000, got "5"'],
    [{ cache: true, profiles: { a: { generator: 'm' } } }, 'cache: must be an object, got true'],
    [{ retentionDays: 1e6, profiles: { a: { generator: 'm' } } }, 'retentionDays: must be a whole number from 0 to 36500, got 1000000'],
    [[], 'the file must hold a JSON object, got []'],
    [null, 'the file must hold a JSON object, got null'],
  ])('%j -> %s', (json, expected) => {
    expect(problemsOf(json)).toEqual([expected]);
  });

  it('suggests the key a typo meant, at every level', () => {
    expect(problemsOf({ profils: {}, profiles: { a: { generator: 'm' } } })).toEqual(['unknown key "profils" (did you mean "profiles"?)']);
    expect(problemsOf({ profiles: { a: { generator: 'm', max_revisions: 3 } } })).toEqual([
      'profiles.a: unknown key "max_revisions" (did you mean "maxRevisions"?)',
    ]);
    expect(problemsOf({ profiles: { a: { generator: 'm' } }, cache: { Enabled: true } })).toEqual(['cache: unknown key "Enabled" (did you mean "enabled"?)']);
    expect(problemsOf({ colour: 'red', profiles: { a: { generator: 'm' } } })).toEqual(['unknown key "colour"']);
  });

  it('lists every problem at once, each at its key path', () => {
    const problems = problemsOf({
      profils: {},
      profiles: { fast: { generator: 'm', maxRevisions: -1, plan: 'sometimes' }, slow: { planner: 'm' } },
      maxQueuedRuns: 'many',
    });
    expect(problems).toEqual([
      'unknown key "profils" (did you mean "profiles"?)',
      'profiles.fast.maxRevisions: must be a whole number from 0 to 10, got -1',
      'profiles.fast.plan: must be "always", "auto" or "never", got "sometimes"',
      'profiles.slow.generator: is required: the model that writes the answers, e.g. "llama3.2:3b"',
      'maxQueuedRuns: must be a whole number from 0 to 10000, got "many"',
    ]);
  });

  it.each(['o1', 'o3-mini', 'o4', 'gpt-5', 'gpt4', 'gpt', 'my-gpt-4o', 'gpt-oss'])('rejects %j: editor clients route it to OpenAI-only APIs', (name) => {
    const [problem, ...rest] = problemsOf({ profiles: { [name]: { generator: 'm' } } });
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^profiles(\.|\[)/);
    expect(problem).toContain(JSON.stringify(name));
    expect(problem).toContain('Continue and Cursor');
    expect(problem).toContain('OpenAI-only APIs');
  });

  it.each(['omni', 'rlm', 'fast-3b', 'qwen2.5', 'a', 'r1o1', 'chatgpt'])('accepts the profile name %j', (name) => {
    expect(Object.keys(parseRlmConfig({ profiles: { [name]: { generator: 'm' } } }, 'f').profiles)).toEqual([name]);
  });

  it.each([
    ['Fast', 'profiles.Fast: a profile name must be 1 to 64 lowercase letters'],
    ['my profile', 'profiles["my profile"]: a profile name must be 1 to 64 lowercase letters'],
    ['-x', 'profiles.-x: a profile name must be 1 to 64'],
    ['a'.repeat(65), `profiles.${'a'.repeat(65)}: a profile name must be 1 to 64`],
    ['team/fast', 'profiles["team/fast"]: a profile name must not contain "/"'],
  ])('rejects the profile name %j', (name, expected) => {
    const problems = problemsOf({ profiles: { [name]: { generator: 'm' } } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('uses the derived profile as "rlm" when the file has none', () => {
    const derived: Profile = { ...parseRlmConfig({ profiles: { x: { generator: 'g', ladder: ['big'] } } }, 'f').profiles.x!, name: 'x' };
    for (const json of [{}, { profiles: {} }, { maxConcurrentRuns: 4 }]) {
      const config = parseRlmConfig(json, 'f', derived);
      expect(config.defaultProfile).toBe('rlm');
      expect(config.profiles).toEqual({ rlm: { ...derived, name: 'rlm' } });
    }
    expect(parseRlmConfig({ maxConcurrentRuns: 4 }, 'f', derived).settings.maxConcurrentRuns).toBe(4);
    expect(problemsOf({ defaultProfile: 'other' }, derived)).toEqual(['defaultProfile: must name one of the profiles (rlm), got "other"']);
  });

  it('throws a ConfigFileError whose message names the file', () => {
    expect(() => parseRlmConfig({ profiles: { a: {} } }, '/srv/rlm.config.json')).toThrow(ConfigFileError);
    expect(() => parseRlmConfig({ profiles: { a: {} } }, '/srv/rlm.config.json')).toThrow(/^Invalid configuration in \/srv\/rlm\.config\.json:\n {2}- profiles\.a\.generator/);
  });
});

describe('loadRlmConfig', () => {
  let directory: string;
  let installedCalls: number;
  const installed = async (): Promise<OllamaTagModel[]> => {
    installedCalls++;
    return INSTALLED;
  };

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'rlm-config-'));
    installedCalls = 0;
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads rlm.config.json from cwd, and the source is its path', async () => {
    await writeFile(join(directory, 'rlm.config.json'), JSON.stringify(EXAMPLE));
    const config = await loadRlmConfig({ env: {}, cwd: directory, installed });
    expect(config.source).toBe(join(directory, 'rlm.config.json'));
    expect(config.profiles.rlm?.ladder).toEqual(['qwen3:8b']);
    expect(installedCalls).toBe(0);
  });

  it('reads RLM_CONFIG relative to cwd, tolerating a byte-order mark', async () => {
    await mkdir(join(directory, 'configs'));
    await writeFile(join(directory, 'configs', 'team.json'), `\uFEFF${JSON.stringify({ profiles: { team: { generator: 'llama3.2:3b' } } })}`);
    const config = await loadRlmConfig({ env: { RLM_CONFIG: 'configs/team.json' }, cwd: directory, installed });
    expect(config.source).toBe(join(directory, 'configs', 'team.json'));
    expect(config.defaultProfile).toBe('team');
  });

  it('a missing RLM_CONFIG file is an error naming it', async () => {
    const loading = loadRlmConfig({ env: { RLM_CONFIG: 'nope.json' }, cwd: directory, installed });
    await expect(loading).rejects.toBeInstanceOf(ConfigError);
    await expect(loading).rejects.toThrow(`the config file "nope.json" (--config or RLM_CONFIG) does not exist: ${join(directory, 'nope.json')}`);
    expect(installedCalls).toBe(0);
  });

  it('without a file, derives the profile from the installed models', async () => {
    const config = await loadRlmConfig({ env: {}, cwd: directory, installed });
    expect(config.source).toBe('derived from the models installed in Ollama');
    expect(config.defaultProfile).toBe('rlm');
    expect(config.settings).toEqual(DEFAULT_SETTINGS);
    expect(config.profiles.rlm).toMatchObject({ name: 'rlm', planner: 'qwen2.5:0.5b', generator: 'llama3.2:3b', verifier: 'qwen2.5:0.5b', ladder: ['qwen3:8b'] });
  });

  it('a file without profiles gets the derived one, and keeps its settings', async () => {
    await writeFile(join(directory, 'rlm.config.json'), JSON.stringify({ maxConcurrentRuns: 1 }));
    const config = await loadRlmConfig({ env: {}, cwd: directory, installed });
    expect(config.source).toBe(join(directory, 'rlm.config.json'));
    expect(config.settings.maxConcurrentRuns).toBe(1);
    expect(config.profiles.rlm?.generator).toBe('llama3.2:3b');
    expect(installedCalls).toBe(1);
  });

  it('invalid JSON is an error with the parse message, its line, and the path', async () => {
    const path = join(directory, 'rlm.config.json');
    await writeFile(path, '{\n  "profiles": {},\n}\n');
    const loading = loadRlmConfig({ env: {}, cwd: directory, installed });
    await expect(loading).rejects.toBeInstanceOf(ConfigError);
    const message = await loading.catch((error: Error) => error.message);
    expect(message).toContain(`${path} is not valid JSON: `);
    expect(message).toMatch(/line 3 column 1/);
  });

  it('validation problems carry the file path', async () => {
    const path = join(directory, 'rlm.config.json');
    await writeFile(path, JSON.stringify({ profiles: { fast: { generator: 'm', maxRevisions: -1 } } }));
    const loading = loadRlmConfig({ env: {}, cwd: directory, installed });
    await expect(loading).rejects.toThrow(`Invalid configuration in ${path}:\n  - profiles.fast.maxRevisions: must be a whole number from 0 to 10, got -1`);
  });
});
