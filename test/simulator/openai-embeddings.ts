/**
 * POST /v1/embeddings as Ollama's middleware serves it (reference §10.6): `input` a string or a
 * list of strings (absent or empty: 400 `invalid input`), `dimensions` passed on, float or
 * base64 (little-endian float32) vectors, and usage from the native prompt count.
 */
import { handleEmbed } from './embed.js';
import type { Exchange, SimulatorCore } from './exchange.js';
import { readOpenAiBody, runNative } from './openai-request.js';
import { sendOpenAiError } from './openai-wire.js';

function base64Vector(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

export async function handleOpenAiEmbeddings(exchange: Exchange, core: SimulatorCore): Promise<void> {
  const body = readOpenAiBody(exchange);
  if (body === undefined) return;
  const input = body.input === '' ? [''] : body.input;
  if (input === undefined || input === null || (Array.isArray(input) && input.length === 0)) return sendOpenAiError(exchange.response, 400, 'invalid input');
  if (typeof input !== 'string' && !(Array.isArray(input) && input.every((item: unknown) => typeof item === 'string'))) {
    return sendOpenAiError(exchange.response, 400, 'invalid input type');
  }
  const encoding = body.encoding_format ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') {
    return sendOpenAiError(exchange.response, 400, `Invalid value for 'encoding_format' = ${String(encoding)}. Supported values: ['float', 'base64'].`);
  }
  const model = typeof body.model === 'string' ? body.model : '';
  const native = { model: body.model, input, ...(typeof body.dimensions === 'number' && { dimensions: body.dimensions }) };
  return runNative(exchange, core, handleEmbed, native, {
    line: () => [],
    errorLine: () => [],
    whole(whole) {
      const embeddings = (whole.embeddings ?? []) as number[][];
      const prompt = typeof whole.prompt_eval_count === 'number' ? whole.prompt_eval_count : 0;
      return {
        object: 'list',
        data: embeddings.map((vector, index) => ({ object: 'embedding', embedding: encoding === 'base64' ? base64Vector(vector) : vector, index })),
        model,
        usage: { prompt_tokens: prompt, total_tokens: prompt },
      };
    },
  });
}
