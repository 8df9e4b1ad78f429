/**
 * Ollama's `format` as OpenAI's `response_format`: "json" is JSON mode, a schema object is strict
 * structured output. `name` is required by OpenAI and meaningless here; "response" is what rlm's
 * own API accepts when a client leaves it out.
 */
import type { OllamaFormat } from '../../types/ollama.js';

export type ResponseFormat =
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema: Record<string, unknown>; strict: true } };

export function responseFormat(format: OllamaFormat | undefined): ResponseFormat | undefined {
  if (format === undefined || format === null || (format as unknown) === '') return undefined;
  if (format === 'json') return { type: 'json_object' };
  return { type: 'json_schema', json_schema: { name: 'response', schema: format, strict: true } };
}
