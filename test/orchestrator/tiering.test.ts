import { describe, expect, it } from 'vitest';
import { DEFAULT_STAGE_OPTIONS } from '../../src/orchestrator/profiles/profile-config.js';
import { deriveDefaultProfile, isChatModel, parseParameterSize } from '../../src/orchestrator/profiles/tiering.js';
import { ConfigError } from '../../src/server/config.js';
import type { OllamaTagModel } from '../../src/types/ollama.js';
import { tagModel } from '../support/tag-model.js';

const model = tagModel;

const tiers = (models: OllamaTagModel[]) => {
  const { profile } = deriveDefaultProfile(models);
  return { planner: profile.planner, generator: profile.generator, verifier: profile.verifier, ladder: profile.ladder };
};

describe('parseParameterSize', () => {
  it.each([
    ['3.2B', 3.2],
    ['137M', 0.137],
    ['1.5b', 1.5],
    ['8x7B', 56],
    ['494.03M', 0.49403],
    ['1.2T', 1200],
    ['22K', 0.000022],
    [' 8B ', 8],
  ])('%s -> %s billion', (text, expected) => {
    expect(parseParameterSize(text)).toBeCloseTo(expected, 12);
  });

  it('is exact for whole-unit sizes', () => {
    expect(parseParameterSize('137M')).toBe(0.137);
    expect(parseParameterSize('8x7B')).toBe(56);
  });

  it.each(['', undefined, 'big', 'B', '3.2Q', '-1B'])('%j is unknown (NaN)', (text) => {
    expect(parseParameterSize(text)).toBeNaN();
  });
});

describe('isChatModel', () => {
  it('trusts capabilities when the server reports them', () => {
    expect(isChatModel(model('nomic-embed-text:latest', '137M', { capabilities: ['embedding'] }))).toBe(false);
    expect(isChatModel(model('llama3.2:3b', '3.2B', { capabilities: ['completion', 'tools'] }))).toBe(true);
    expect(isChatModel(model('both:1b', '1B', { capabilities: ['embedding', 'completion'] }))).toBe(true);
  });

  it('falls back to the family and the name on older servers', () => {
    expect(isChatModel(model('all-minilm:latest', '23M', { family: 'bert' }))).toBe(false);
    expect(isChatModel(model('nomic-embed-text:latest', '137M', { family: 'nomic-bert' }))).toBe(false);
    expect(isChatModel(model('qwen3-embedding:0.6b', '0.6B', { family: 'qwen3' }))).toBe(false);
    expect(isChatModel(model('qwen2.5:0.5b', '494.03M', { family: 'qwen2' }))).toBe(true);
  });
});

describe('deriveDefaultProfile', () => {
  it('one model does everything, with no ladder', () => {
    const { profile, reasons } = deriveDefaultProfile([model('llama3.2:3b', '3.2B')]);
    expect(tiers([model('llama3.2:3b', '3.2B')])).toEqual({ planner: 'llama3.2:3b', generator: 'llama3.2:3b', verifier: 'llama3.2:3b', ladder: [] });
    expect(profile).toMatchObject({ name: 'rlm', maxRevisions: 2, plan: 'auto', onExhausted: 'best', progress: true });
    expect(profile.stages).toEqual(DEFAULT_STAGE_OPTIONS);
    expect(profile.stages).not.toBe(DEFAULT_STAGE_OPTIONS);
    expect(reasons.join('\n')).toContain('the only chat model installed');
    expect(reasons.join('\n')).toContain('no ladder');
  });

  it('two models: the smaller does everything, the larger is the ladder', () => {
    expect(tiers([model('qwen3:8b', '8.2B'), model('qwen2.5:0.5b', '494.03M')])).toEqual({
      planner: 'qwen2.5:0.5b',
      generator: 'qwen2.5:0.5b',
      verifier: 'qwen2.5:0.5b',
      ladder: ['qwen3:8b'],
    });
  });

  it('three models: smallest verifies and plans, middle generates, largest escalates', () => {
    const { profile, reasons } = deriveDefaultProfile([model('qwen3:8b', '8.2B'), model('llama3.2:3b', '3.2B'), model('qwen2.5:0.5b', '494.03M')]);
    expect(profile).toMatchObject({ planner: 'qwen2.5:0.5b', verifier: 'qwen2.5:0.5b', generator: 'llama3.2:3b', ladder: ['qwen3:8b'] });
    expect(reasons).toEqual([
      'verifier and planner: qwen2.5:0.5b, the smallest chat model (494M)',
      'generator: llama3.2:3b, the smallest model larger than the verifier (3.2B), keeping the largest for escalation',
      "ladder: qwen3:8b, the largest chat model (8.2B), tried when the generator's drafts keep failing verification",
    ]);
  });

  it('four models: the generator is the smallest above the verifier, the ladder only the largest', () => {
    const models = [model('c:3b', '3B'), model('d:14b', '14B'), model('a:0.5b', '0.5B'), model('b:1.5b', '1.5B')];
    expect(tiers(models)).toEqual({ planner: 'a:0.5b', generator: 'b:1.5b', verifier: 'a:0.5b', ladder: ['d:14b'] });
  });

  it('prefers a general model to a code model of the same tier for generating, and says so', () => {
    const models = [
      model('qwen2.5-coder:1.5b', '1.5B', { capabilities: ['completion', 'insert'] }),
      model('llama3.2:3b', '3.2B'),
      model('qwen2.5:0.5b', '0.5B'),
      model('qwen3:8b', '8.2B'),
    ];
    const { profile, reasons } = deriveDefaultProfile(models);
    expect(profile.generator).toBe('llama3.2:3b');
    expect(reasons[1]).toBe(
      'generator: llama3.2:3b, the smallest general model larger than the verifier (3.2B), keeping the largest for escalation; passed over the code model qwen2.5-coder:1.5b',
    );
    // With only code models between the verifier and the largest, a code model still generates.
    expect(deriveDefaultProfile([models[0]!, models[2]!, models[3]!]).profile.generator).toBe('qwen2.5-coder:1.5b');
  });

  it('skips embedding models and says so', () => {
    const models = [model('nomic-embed-text:latest', '137M', { capabilities: ['embedding'] }), model('llama3.2:3b', '3.2B'), model('qwen3:8b', '8B')];
    const { profile, reasons } = deriveDefaultProfile(models);
    expect(profile).toMatchObject({ verifier: 'llama3.2:3b', generator: 'llama3.2:3b', ladder: ['qwen3:8b'] });
    expect(reasons.join('\n')).toContain('skipped nomic-embed-text:latest: embedding models cannot chat');
  });

  it('equal sizes are ordered by name, and a middle model no larger than the verifier is not the generator', () => {
    const models = [model('b:1b', '1B'), model('a:1b', '1B'), model('z:7b', '7B')];
    expect(tiers(models)).toEqual({ planner: 'a:1b', generator: 'a:1b', verifier: 'a:1b', ladder: ['z:7b'] });
  });

  it('unknown sizes sort after every known one', () => {
    const models = [model('custom:latest', ''), model('qwen2.5:0.5b', '0.5B'), model('llama3.2:3b', '3.2B')];
    const { profile, reasons } = deriveDefaultProfile(models);
    expect(profile).toMatchObject({ verifier: 'qwen2.5:0.5b', generator: 'llama3.2:3b', ladder: ['custom:latest'] });
    expect(reasons.join('\n')).toContain('custom:latest, the largest chat model (size unknown)');
  });

  it('all sizes unknown: ordered by name, nothing counts as larger', () => {
    const models = [model('c', ''), model('a', ''), model('b', '')];
    expect(tiers(models)).toEqual({ planner: 'a', generator: 'a', verifier: 'a', ladder: ['c'] });
  });

  it('no chat model installed is a ConfigError telling what to pull', () => {
    for (const models of [[], [model('nomic-embed-text:latest', '137M', { family: 'nomic-bert' })]]) {
      try {
        deriveDefaultProfile(models);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual([
          'no chat model is installed in Ollama: pull one, e.g. `ollama pull qwen2.5:0.5b` and `ollama pull llama3.2`',
        ]);
      }
    }
  });
});
