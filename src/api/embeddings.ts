/**
 * POST /v1/embeddings: text in, Ollama's normalised vectors out, as float arrays or base64 float32.
 * Inputs seen before (same model, dimensions and text) come from the embedding cache; only the
 * rest go to Ollama, once each, and the answer keeps the input order.
 */
import { parseEmbeddingRequest, toEmbeddingResponse, toOllamaEmbedRequest } from './embedding-mapping.js';
import { explainUpstreamError } from './model-checks.js';
import type { RequestContext } from '../server/context.js';
import { sendJson } from '../server/error-response.js';

export async function handleEmbeddings(context: RequestContext): Promise<void> {
  const { app } = context;
  // The request's cancel without an AbortSignal made for it, for the model checks and the upstream
  // call (request-abort.ts); a pipeline run gets the real context.signal.
  const signal = context.cancel ?? context.signal;
  const request = parseEmbeddingRequest(await context.readJson());
  const inputs = Array.isArray(request.input) ? request.input : [request.input];
  const { model, dimensions } = request;

  const vectors: (readonly number[] | undefined)[] = inputs.map((text) => app.embeddingCache.get(model, dimensions, text));
  const missing = [...new Set(inputs.filter((_text, index) => vectors[index] === undefined))];
  let promptTokens = 0;
  if (missing.length > 0) {
    const result = await app.ollama
      .embed(toOllamaEmbedRequest({ ...request, input: missing }, { model }), signal)
      .catch((error: unknown) => explainUpstreamError(app, model, error, signal, 'embeddings'));
    promptTokens = result.prompt_eval_count ?? 0;
    const fresh = new Map(missing.map((text, index) => [text, result.embeddings[index] ?? []]));
    for (const [text, vector] of fresh) app.embeddingCache.set(model, dimensions, text, vector);
    inputs.forEach((text, index) => {
      vectors[index] ??= fresh.get(text);
    });
  }
  Object.assign(context.logFields, { model, inputs: inputs.length, cached: inputs.length - missing.length });
  const embeddings = vectors.map((vector) => [...(vector ?? [])]);
  const body = toEmbeddingResponse({ model, embeddings, prompt_eval_count: promptTokens }, { model, encodingFormat: request.encoding_format ?? 'float' });
  sendJson(context.response, 200, body);
}
