/**
 * Ollama's `options` as OpenAI's sampling fields, shared by chat and completions. What OpenAI has
 * no field for (`top_k`, `min_p`, `repeat_penalty`, and the runner's own `num_ctx`, `num_thread`…)
 * is dropped: they tune an engine that an OpenAI-compatible server configures for itself.
 */
import type { OllamaOptions } from '../../types/ollama.js';

export interface SamplingFields {
  temperature?: number;
  top_p?: number;
  seed?: number;
  max_tokens?: number;
  stop?: string[];
  presence_penalty?: number;
  frequency_penalty?: number;
}

export function samplingFields(options: OllamaOptions | undefined): SamplingFields {
  if (options === undefined) return {};
  const fields: SamplingFields = {};
  if (typeof options.temperature === 'number') fields.temperature = options.temperature;
  if (typeof options.top_p === 'number') fields.top_p = options.top_p;
  if (typeof options.seed === 'number') fields.seed = options.seed;
  // Ollama's -1 (and -2, "fill the context") mean unbounded, which OpenAI says by leaving it out.
  if (typeof options.num_predict === 'number' && options.num_predict >= 0) fields.max_tokens = options.num_predict;
  if (Array.isArray(options.stop) && options.stop.length > 0) fields.stop = options.stop;
  if (typeof options.presence_penalty === 'number') fields.presence_penalty = options.presence_penalty;
  if (typeof options.frequency_penalty === 'number') fields.frequency_penalty = options.frequency_penalty;
  return fields;
}
