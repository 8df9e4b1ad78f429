/**
 * Ollama's `/api/embed` as OpenAI's `POST /v1/embeddings` and back: the inputs always as an array,
 * `dimensions` passed on, and the vectors put back in input order by their `index` (a server may
 * answer out of order). `truncate` and `keep_alive` have no OpenAI field.
 */
import type { OllamaEmbedRequest, OllamaEmbedResponse } from '../../types/ollama.js';
import { UpstreamProtocolError } from '../../utils/errors.js';

export interface EmbeddingsBody {
  model: string;
  input: string[];
  encoding_format: 'float';
  dimensions?: number;
}

export function toEmbeddingsBody(request: OllamaEmbedRequest): EmbeddingsBody {
  const input = typeof request.input === 'string' ? [request.input] : [...request.input];
  return { model: request.model, input, encoding_format: 'float', ...(typeof request.dimensions === 'number' && { dimensions: request.dimensions }) };
}

interface EmbeddingsAnswer {
  data?: { index?: number; embedding?: unknown }[] | null;
  usage?: { prompt_tokens?: number } | null;
}

export function fromEmbeddingsAnswer(model: string, inputs: number, answer: unknown, server: string, totalMs: number): OllamaEmbedResponse {
  const data = (answer as EmbeddingsAnswer | null)?.data;
  if (!Array.isArray(data) || data.length !== inputs) {
    throw new UpstreamProtocolError(`${server} answered /v1/embeddings with ${Array.isArray(data) ? data.length : 'no'} vectors for ${inputs} inputs.`);
  }
  const embeddings: number[][] = new Array<number[]>(inputs);
  data.forEach((entry, position) => {
    const index = typeof entry.index === 'number' ? entry.index : position;
    if (!Array.isArray(entry.embedding) || index < 0 || index >= inputs || embeddings[index] !== undefined) {
      throw new UpstreamProtocolError(`${server} answered /v1/embeddings with a vector that is not a list of numbers for a distinct input (index ${index}).`);
    }
    embeddings[index] = entry.embedding as number[];
  });
  const response: OllamaEmbedResponse = { model, embeddings, total_duration: Math.round(totalMs * 1e6) };
  const prompt = (answer as EmbeddingsAnswer).usage?.prompt_tokens;
  if (typeof prompt === 'number') response.prompt_eval_count = prompt;
  return response;
}
