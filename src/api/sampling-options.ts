/**
 * The sampling fields that /v1/chat/completions and /v1/completions share, validated against
 * OpenAI's ranges and mapped onto Ollama `options`.
 *
 * Only what the client sent is forwarded. Ollama's own /v1 layer forces temperature 1.0 and top_p
 * 1.0 when they are absent (docs/reference/ollama-protocol.md §10.2), which overrides the model's tuned Modelfile
 * defaults; leaving them out lets the model's defaults apply.
 */
import type { OllamaOptions } from '../types/ollama.js';
import { indexPath, invalidType, isPresent, optionalNumber } from './validate.js';

export interface SamplingFields {
  temperature?: number;
  top_p?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  /** Always an array after parsing (Ollama rejects a bare string with a 500). */
  stop?: string[];
  max_tokens?: number;
}

/** The request fields read by toOllamaOptions; both OpenAI request types fit it. */
export interface SamplingRequest {
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  stop?: string | string[] | null;
}

/** The sampling fields the body sets, in this order; added to `fields` when given (one object per request). */
export function parseSamplingFields(body: Record<string, unknown>, fields: SamplingFields = {}): SamplingFields {
  const temperature = optionalNumber(body, 'temperature', { min: 0, max: 2 });
  if (temperature !== undefined) fields.temperature = temperature;
  const topP = optionalNumber(body, 'top_p', { min: 0, max: 1 });
  if (topP !== undefined) fields.top_p = topP;
  const seed = optionalNumber(body, 'seed', { integer: true });
  if (seed !== undefined) fields.seed = seed;
  const frequencyPenalty = optionalNumber(body, 'frequency_penalty', { min: -2, max: 2 });
  if (frequencyPenalty !== undefined) fields.frequency_penalty = frequencyPenalty;
  const presencePenalty = optionalNumber(body, 'presence_penalty', { min: -2, max: 2 });
  if (presencePenalty !== undefined) fields.presence_penalty = presencePenalty;
  const stop = parseStop(body['stop']);
  if (stop !== undefined) fields.stop = stop;
  const maxTokens = parseMaxTokens(body, 'max_tokens');
  if (maxTokens !== undefined) fields.max_tokens = maxTokens;
  return fields;
}

/** A positive integer token limit (`max_tokens` or `max_completion_tokens`). */
export function parseMaxTokens(body: Record<string, unknown>, key: string): number | undefined {
  return optionalNumber(body, key, { integer: true, min: 1 });
}

/**
 * `stop` is a string or an array of strings. Empty strings are dropped: an empty stop sequence
 * matches everywhere and would end generation at once. An array left empty means "no stop".
 */
function parseStop(value: unknown): string[] | undefined {
  if (!isPresent(value)) return undefined;
  if (typeof value === 'string') return value === '' ? undefined : [value];
  if (!Array.isArray(value)) throw invalidType('stop', 'a string or an array of strings', value);
  const sequences: string[] = [];
  value.forEach((item: unknown, index) => {
    if (typeof item !== 'string') throw invalidType(indexPath('stop', index), 'a string', item);
    if (item !== '') sequences.push(item);
  });
  return sequences.length === 0 ? undefined : sequences;
}

/** Ollama options for what the client set; `maxTokens` becomes num_predict, numCtx > 0 becomes num_ctx. */
export function toOllamaOptions(request: SamplingRequest, maxTokens: number | null | undefined, numCtx = 0): OllamaOptions | undefined {
  const options: OllamaOptions = {};
  if (isPresent(request.temperature)) options.temperature = request.temperature;
  if (isPresent(request.top_p)) options.top_p = request.top_p;
  if (isPresent(request.seed)) options.seed = request.seed;
  if (isPresent(request.frequency_penalty)) options.frequency_penalty = request.frequency_penalty;
  if (isPresent(request.presence_penalty)) options.presence_penalty = request.presence_penalty;
  const stop = toStopArray(request.stop);
  if (stop.length > 0) options.stop = stop;
  if (isPresent(maxTokens)) options.num_predict = maxTokens;
  if (numCtx > 0) options.num_ctx = numCtx;
  return Object.keys(options).length === 0 ? undefined : options;
}

function toStopArray(stop: string | string[] | null | undefined): string[] {
  if (!isPresent(stop)) return [];
  const sequences = typeof stop === 'string' ? [stop] : stop;
  return sequences.filter((sequence) => sequence !== '');
}
