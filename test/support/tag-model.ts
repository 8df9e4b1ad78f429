/** An /api/tags entry for tests about model sizes and capabilities. */
import type { OllamaTagModel } from '../../src/types/ollama.js';

export function tagModel(name: string, parameterSize: string, extra: { family?: string; capabilities?: string[] } = {}): OllamaTagModel {
  return {
    name,
    model: name,
    modified_at: '2025-01-01T00:00:00Z',
    size: 1,
    digest: 'd',
    details: {
      parent_model: '',
      format: 'gguf',
      family: extra.family ?? 'llama',
      families: null,
      parameter_size: parameterSize,
      quantization_level: 'Q4_K_M',
    },
    ...(extra.capabilities === undefined ? {} : { capabilities: extra.capabilities }),
  };
}
