import { describe, expect, it } from 'vitest';
import { toOpenAIModel } from '../../src/api/model-mapping.js';
import type { OllamaTagModel } from '../../src/types/ollama.js';

function tag(name: string, modifiedAt = '2025-05-04T17:37:44.706015396-07:00'): OllamaTagModel {
  return {
    name,
    model: name,
    modified_at: modifiedAt,
    size: 1,
    digest: 'a80c',
    details: { parent_model: '', format: 'gguf', family: 'llama', families: null, parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
  };
}

describe('toOpenAIModel', () => {
  it('uses the tag name, the modification time in seconds and library as owner', () => {
    expect(toOpenAIModel(tag('llama3.2:latest'))).toEqual({
      id: 'llama3.2:latest',
      object: 'model',
      created: Math.floor(Date.parse('2025-05-05T00:37:44.706Z') / 1000),
      owned_by: 'library',
    });
  });

  it('names the namespace as owner', () => {
    expect(toOpenAIModel(tag('jmorganca/tinyllama:q4')).owned_by).toBe('jmorganca');
    expect(toOpenAIModel(tag('hf.co/bartowski/Llama-3.2-1B-GGUF:Q4_K_M')).owned_by).toBe('bartowski');
  });

  it('reads an unparsable time as 0', () => {
    expect(toOpenAIModel(tag('x', 'yesterday')).created).toBe(0);
  });
});
