/**
 * Ollama /api/tags entries -> OpenAI model objects, as Ollama's own /v1/models does (docs/reference/ollama-protocol.md §10.7).
 */
import type { OpenAIModel } from '../types/openai.js';
import type { OllamaTagModel } from '../types/ollama.js';

export function toOpenAIModel(tag: OllamaTagModel): OpenAIModel {
  const modified = Date.parse(tag.modified_at);
  return {
    id: tag.name,
    object: 'model',
    created: Number.isNaN(modified) ? 0 : Math.floor(modified / 1000),
    owned_by: ownerOf(tag.name),
  };
}

/**
 * Names are `[host/][namespace/]model[:tag]` (docs/reference/ollama-protocol.md §2): the owner is the segment
 * before the model, and official models without one belong to "library".
 */
function ownerOf(name: string): string {
  const segments = name.split('/');
  return segments.length >= 2 ? (segments[segments.length - 2] ?? 'library') : 'library';
}
