/**
 * /v1/embeddings <-> Ollama /api/embed. Honouring `encoding_format: "base64"` is mandatory: openai-node
 * asks for it by default since v4.91 and decodes whatever comes back as float32 bytes, so a float
 * array answered to a base64 request turns into garbage vectors (docs/reference/clients.md §1).
 */
import type { OpenAIEmbeddingRequest, OpenAIEmbeddingResponse } from '../types/openai.js';
import type { OllamaEmbedRequest, OllamaEmbedResponse } from '../types/ollama.js';
import { InvalidRequestError } from '../utils/errors.js';
import {
  indexPath,
  invalidType,
  isPresent,
  missingParameter,
  optionalEnum,
  optionalNumber,
  requireBody,
  requireModel,
  unknownFields,
  withoutUndefined,
} from './validate.js';

const KNOWN_FIELDS: ReadonlySet<string> = new Set(['model', 'input', 'encoding_format', 'dimensions']);
const ENCODING_FORMATS = ['float', 'base64'] as const;

/** The validated request; `encoding_format` is always set afterwards ("float" by default). */
export function parseEmbeddingRequest(body: unknown): OpenAIEmbeddingRequest {
  const record = requireBody(body);
  const model = requireModel(record);
  const input = parseInput(record['input']);
  const request: OpenAIEmbeddingRequest = {
    ...unknownFields(record, KNOWN_FIELDS),
    model,
    input,
    encoding_format: optionalEnum(record, 'encoding_format', ENCODING_FORMATS) ?? 'float',
  };
  return withoutUndefined({ ...request, dimensions: optionalNumber(record, 'dimensions', { integer: true, min: 1 }) });
}

/**
 * A string or a non-empty array of strings. Empty strings are refused as OpenAI does: Ollama treats
 * an empty input as a model-load request and answers with no vector at all.
 */
function parseInput(value: unknown): string | string[] {
  if (!isPresent(value)) throw missingParameter('input');
  if (typeof value === 'string') {
    if (value === '') throw new InvalidRequestError("'input' cannot be an empty string.", 'input', 'empty_input');
    return value;
  }
  if (!Array.isArray(value)) throw invalidType('input', 'a string or an array of strings', value);
  if (value.length === 0) throw new InvalidRequestError("'input' must be a non-empty array.", 'input', 'empty_array');
  if (value.some((item: unknown) => typeof item === 'number' || Array.isArray(item))) {
    throw new InvalidRequestError('Token-array input is not supported; send the text itself.', 'input', 'unsupported_input_type');
  }
  return value.map((item: unknown, index) => {
    const path = indexPath('input', index);
    if (typeof item !== 'string') throw invalidType(path, 'a string', item);
    if (item === '') throw new InvalidRequestError(`'${path}' cannot be an empty string.`, path, 'empty_input');
    return item;
  });
}

export function toOllamaEmbedRequest(request: OpenAIEmbeddingRequest, settings: { model: string }): OllamaEmbedRequest {
  const native: OllamaEmbedRequest = { model: settings.model, input: request.input };
  if (isPresent(request.dimensions)) native.dimensions = request.dimensions;
  return native;
}

export function toEmbeddingResponse(
  response: OllamaEmbedResponse,
  context: { model: string; encodingFormat: 'float' | 'base64' },
): OpenAIEmbeddingResponse {
  const tokens = response.prompt_eval_count ?? 0;
  return {
    object: 'list',
    data: response.embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: context.encodingFormat === 'base64' ? encodeFloat32Base64(vector) : vector,
    })),
    model: context.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/** Base64 of the vector as little-endian float32 bytes, whatever the platform's byte order. */
export function encodeFloat32Base64(vector: readonly number[]): string {
  const bytes = new ArrayBuffer(vector.length * 4);
  const view = new DataView(bytes);
  vector.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return Buffer.from(bytes).toString('base64');
}
