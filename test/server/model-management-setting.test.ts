import { describe, expect, it } from 'vitest';
import { ConfigError, parseArguments, resolveConfig } from '../../src/server/config.js';

const resolve = (argv: string[], env: Record<string, string> = {}) => resolveConfig(parseArguments(argv).flags, env);

describe('--allow-model-management / RLM_ALLOW_MODEL_MANAGEMENT', () => {
  it('is off by default, on with the bare flag or a true value, and the flag wins', () => {
    expect(resolve([]).allowModelManagement).toBe(false);
    expect(resolve(['--allow-model-management']).allowModelManagement).toBe(true);
    for (const value of ['1', 'true', 'YES', 'on']) expect(resolve([], { RLM_ALLOW_MODEL_MANAGEMENT: value }).allowModelManagement).toBe(true);
    for (const value of ['0', 'false', 'no', 'off', '']) expect(resolve([], { RLM_ALLOW_MODEL_MANAGEMENT: value }).allowModelManagement).toBe(false);
    expect(resolve(['--allow-model-management=false'], { RLM_ALLOW_MODEL_MANAGEMENT: '1' }).allowModelManagement).toBe(false);
  });

  it('refuses a value that says neither, naming the variable', () => {
    expect(() => resolve([], { RLM_ALLOW_MODEL_MANAGEMENT: 'maybe' })).toThrow(ConfigError);
    expect(() => resolve([], { RLM_ALLOW_MODEL_MANAGEMENT: 'maybe' })).toThrow(/RLM_ALLOW_MODEL_MANAGEMENT must be 1, true, yes or on/);
  });
});
