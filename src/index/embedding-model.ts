/** Which embedding model to index with when none is named: an installed one, or a clear way to get one. */
import type { OllamaTagModel } from '../types/ollama.js';
import { RlmError } from '../utils/errors.js';

export const SUGGESTED_EMBEDDING_MODEL = 'nomic-embed-text';

export function isEmbeddingModel(model: OllamaTagModel): boolean {
  if (model.capabilities !== undefined) return model.capabilities.includes('embedding');
  return /embed/i.test(model.name) || /bert/i.test(model.details?.family ?? '');
}

export function chooseEmbeddingModel(installed: readonly OllamaTagModel[]): string {
  const found = installed.find(isEmbeddingModel);
  if (found !== undefined) return found.name;
  throw new RlmError(`No embedding model is installed in Ollama. Run \`ollama pull ${SUGGESTED_EMBEDDING_MODEL}\`, or name one with --model.`, {
    status: 404,
    type: 'not_found_error',
    code: 'model_not_found',
  });
}
