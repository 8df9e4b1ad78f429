/**
 * A request that needs what the backend was configured not to offer (`unsupported` in its
 * rlm.config.json entry) is refused before anything is sent, with what to do, rather than failing
 * mid-run on a server that ignores or rejects the field.
 */
import type { BackendFeature } from '../../types/backend.js';
import type { OllamaChatRequest, OllamaGenerateRequest } from '../../types/ollama.js';
import { RlmError } from '../../utils/errors.js';

const FEATURES: Record<BackendFeature, { what: string; param: string }> = {
  structured: { what: 'structured output (format / response_format)', param: 'response_format' },
  tools: { what: 'tool calls (tools)', param: 'tools' },
  logprobs: { what: 'log-probabilities (logprobs)', param: 'logprobs' },
  completions: { what: 'text completions (/v1/completions)', param: 'prompt' },
  embeddings: { what: 'embeddings (/v1/embeddings)', param: 'input' },
};

export class BackendFeatureError extends RlmError {
  readonly feature: BackendFeature;

  constructor(backend: string, model: string, feature: BackendFeature) {
    const { what, param } = FEATURES[feature];
    super(
      `The backend "${backend}" serving ${JSON.stringify(model)} does not offer ${what}. Send the request without it, pin a model on a backend that offers it (backend/model), or remove "${feature}" from that backend's "unsupported" list in rlm.config.json if the server does support it.`,
      { status: 400, type: 'invalid_request_error', param, code: 'backend_feature_unsupported' },
    );
    this.feature = feature;
  }
}

/** The first unsupported feature a chat request uses, or undefined. */
export function chatFeatureMissing(request: OllamaChatRequest, unsupported: readonly BackendFeature[]): BackendFeature | undefined {
  if (unsupported.includes('structured') && request.format !== undefined && request.format !== null && (request.format as unknown) !== '') return 'structured';
  if (unsupported.includes('tools') && request.tools !== undefined && request.tools.length > 0) return 'tools';
  if (unsupported.includes('logprobs') && request.logprobs === true) return 'logprobs';
  return undefined;
}

/** The first unsupported feature a generate request uses, or undefined. */
export function generateFeatureMissing(request: OllamaGenerateRequest, unsupported: readonly BackendFeature[]): BackendFeature | undefined {
  if (unsupported.includes('completions')) return 'completions';
  if (unsupported.includes('structured') && request.format !== undefined && request.format !== null && (request.format as unknown) !== '') return 'structured';
  return undefined;
}
