/** POST /v1/embeddings: text in, Ollama's normalised vectors out, as float arrays or base64 float32. */
import { parseEmbeddingRequest, toEmbeddingResponse, toOllamaEmbedRequest } from './embedding-mapping.js';
import { explainUpstreamError } from './model-checks.js';
import type { RequestContext } from '../server/context.js';
import { sendJson } from '../server/error-response.js';

export async function handleEmbeddings(context: RequestContext): Promise<void> {
  const { app, signal } = context;
  const request = parseEmbeddingRequest(await context.readJson());
  const inputs = Array.isArray(request.input) ? request.input.length : 1;
  Object.assign(context.logFields, { model: request.model, inputs });
  const result = await app.ollama
    .embed(toOllamaEmbedRequest(request, { model: request.model }), signal)
    .catch((error: unknown) => explainUpstreamError(app, request.model, error, signal));
  sendJson(context.response, 200, toEmbeddingResponse(result, { model: request.model, encodingFormat: request.encoding_format ?? 'float' }));
}
