/**
 * The model catalogue of an OpenAI-compatible server in Ollama's shapes: `GET /v1/models` as an
 * `/api/tags` list (no sizes, digests or families: such a server reports none, so the digest is a
 * stable hash of the id and the size 0), and a synthetic `/api/show` whose capabilities are what
 * the backend was configured to offer.
 */
import { createHash } from 'node:crypto';
import type { BackendFeature } from '../../types/backend.js';
import type { OllamaModelDetails, OllamaShowResponse, OllamaTagModel, OllamaTagsResponse } from '../../types/ollama.js';
import { UpstreamProtocolError } from '../../utils/errors.js';

const DETAILS: OllamaModelDetails = { parent_model: '', format: '', family: '', families: null, parameter_size: '', quantization_level: '' };
/** The Unix epoch, for a server that gives no `created`. */
const NO_DATE = '1970-01-01T00:00:00Z';

export function tagModel(id: string, created?: number): OllamaTagModel {
  return {
    name: id,
    model: id,
    modified_at: typeof created === 'number' && created > 0 ? new Date(created * 1000).toISOString() : NO_DATE,
    size: 0,
    digest: createHash('sha256').update(id).digest('hex'),
    details: { ...DETAILS },
  };
}

/** The ids of a `/v1/models` answer (`data` may be null, as Ollama's is with no models). */
export function tagsFromModelList(answer: unknown, server: string): OllamaTagsResponse {
  const data = (answer as { data?: unknown } | null)?.data;
  if (data === null) return { models: [] };
  if (!Array.isArray(data)) throw new UpstreamProtocolError(`${server} answered /v1/models without a data list.`);
  const models: OllamaTagModel[] = [];
  for (const entry of data as { id?: unknown; created?: unknown }[]) {
    if (typeof entry?.id !== 'string' || entry.id === '') continue;
    models.push(tagModel(entry.id, typeof entry.created === 'number' ? entry.created : undefined));
  }
  return { models };
}

/**
 * /v1/models says nothing of what a model does, and an embedding model listed as a chat model
 * would be picked as a generator; so a name that embedding models carry (embed, MiniLM, BGE, E5,
 * GTE) marks one, as rlm's tiering already guesses for servers without capabilities.
 */
const EMBEDDING_NAME = /embed|minilm|(^|[/_-])(bge|e5|gte)([/_.:-]|$)/i;

/**
 * Native capability names: a chat model always completes, has tools unless the backend lacks
 * them, and fills in the middle (`insert`) unless it lacks /v1/completions.
 */
export function capabilitiesFor(model: string, unsupported: readonly BackendFeature[]): string[] {
  if (EMBEDDING_NAME.test(model)) return unsupported.includes('embeddings') ? [] : ['embedding'];
  const capabilities = ['completion'];
  if (!unsupported.includes('tools')) capabilities.push('tools');
  if (!unsupported.includes('completions')) capabilities.push('insert');
  return capabilities;
}

export function syntheticShow(model: string, unsupported: readonly BackendFeature[]): OllamaShowResponse {
  return { details: { ...DETAILS }, model_info: {}, capabilities: capabilitiesFor(model, unsupported) };
}
