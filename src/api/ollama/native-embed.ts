/**
 * POST /api/embed and the legacy POST /api/embeddings, through the same embeddings cache as
 * /v1/embeddings: inputs seen before (same model name, dimensions and text) are answered from it,
 * only the others go to Ollama's /api/embed, once each, and the answer keeps the input order.
 *
 * The legacy endpoint is answered from /api/embed too, so it shares the cache; its vectors are
 * therefore unit length, where Ollama's own legacy endpoint returns them unnormalised
 * (docs/real-ollama-captures.md 41). Cosine similarity, what embeddings are used for, is the same.
 */
import type { AppDeps, RequestContext } from '../../server/context.js';
import type { OllamaEmbedRequest, OllamaEmbedResponse } from '../../types/ollama.js';
import { isRecord } from '../validate.js';
import { sendNativeJson } from './native-chunks.js';
import { NativeRequestError } from './native-errors.js';
import { explainNativeUpstreamError, nativeModelNotFound } from './native-not-found.js';
import { nativeBody, nativeModel, virtualProfile } from './native-request.js';

export async function handleNativeEmbed(context: RequestContext): Promise<void> {
  const { app, signal } = context;
  const body = nativeBody(await context.readJson(), 'EmbedRequest');
  const model = nativeModel(body);
  const inputs = embedInputs(body['input']);
  Object.assign(context.logFields, { model, inputs: inputs.length });
  if (model.trim() === '') throw await nativeModelNotFound(app, model, 'chat', signal);
  await refuseVirtual(app, model, signal);
  const dimensions = typeof body['dimensions'] === 'number' && body['dimensions'] > 0 ? body['dimensions'] : undefined;
  // Without truncation an over-long input is Ollama's 400, which a cached vector would hide.
  const cacheable = body['truncate'] !== false;
  if (inputs.length === 0) {
    // Ollama's "load the model" request: it answers no vectors, and so does rlm, after Ollama.
    sendNativeJson(context.response, 200, await embedUpstream(app, { ...body, model } as OllamaEmbedRequest, model, signal));
    return;
  }
  const vectors = inputs.map((text) => (cacheable ? app.embeddingCache.get(model, dimensions, text) : undefined));
  const missing = [...new Set(inputs.filter((_text, index) => vectors[index] === undefined))];
  let metrics: Omit<OllamaEmbedResponse, 'model' | 'embeddings'> = {};
  if (missing.length > 0) {
    const { embeddings, model: _echoed, ...rest } = await embedUpstream(app, { ...body, model, input: missing } as OllamaEmbedRequest, model, signal);
    metrics = rest;
    const fresh = new Map(missing.map((text, index) => [text, embeddings[index] ?? []]));
    for (const [text, vector] of fresh) if (cacheable) app.embeddingCache.set(model, dimensions, text, vector);
    inputs.forEach((text, index) => {
      vectors[index] ??= fresh.get(text);
    });
  }
  context.logFields.cached = inputs.length - missing.length;
  sendNativeJson(context.response, 200, { model, embeddings: vectors.map((vector) => [...(vector ?? [])]), ...metrics });
}

export async function handleNativeEmbeddings(context: RequestContext): Promise<void> {
  const { app, signal } = context;
  const body = nativeBody(await context.readJson(), 'EmbeddingRequest');
  const model = nativeModel(body);
  Object.assign(context.logFields, { model });
  if (model.trim() === '') throw new NativeRequestError('model is required', 'missing_required_parameter');
  await refuseVirtual(app, model, signal);
  const prompt = typeof body['prompt'] === 'string' ? body['prompt'] : '';
  const upstream = (input: string[]): OllamaEmbedRequest => ({
    model,
    input,
    ...(body['keep_alive'] !== undefined ? { keep_alive: body['keep_alive'] as OllamaEmbedRequest['keep_alive'] } : {}),
    ...(isRecord(body['options']) ? { options: body['options'] } : {}),
  });
  if (prompt === '') {
    await embedUpstream(app, upstream([]), model, signal);
    sendNativeJson(context.response, 200, { embedding: [] });
    return;
  }
  let vector = app.embeddingCache.get(model, undefined, prompt);
  context.logFields.cached = vector === undefined ? 0 : 1;
  if (vector === undefined) {
    vector = (await embedUpstream(app, upstream([prompt]), model, signal)).embeddings[0] ?? [];
    app.embeddingCache.set(model, undefined, prompt, vector);
  }
  sendNativeJson(context.response, 200, { embedding: [...vector] });
}

/** A string, or an array of strings; absent and "" mean "load the model" (no inputs). */
function embedInputs(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw new NativeRequestError('invalid input type', 'invalid_input_type');
}

function embedUpstream(app: AppDeps, request: OllamaEmbedRequest, model: string, signal: AbortSignal): Promise<OllamaEmbedResponse> {
  return app.ollama.embed(request, signal).catch((error: unknown) => explainNativeUpstreamError(app, model, 'embed', error, signal));
}

/** The pipeline answers questions; it has no vectors to give. The 400 names the models that do. */
async function refuseVirtual(app: AppDeps, model: string, signal: AbortSignal): Promise<void> {
  if ((await virtualProfile(app, model, signal)) === undefined) return;
  const installed = await app.models.list(signal).catch(() => []);
  const capable: string[] = [];
  for (const candidate of installed) {
    const capabilities = await app.models.capabilities(candidate.name, signal).catch(() => undefined);
    if (capabilities === undefined || capabilities.includes('embedding')) capable.push(candidate.name);
  }
  const offer = capable.length > 0 ? `Models that embed: ${capable.join(', ')}.` : 'No installed model embeds; install one, such as `ollama pull nomic-embed-text`.';
  throw new NativeRequestError(`"${model}" does not support embeddings: it is rlm's pipeline, which answers chat and generate only. ${offer}`, 'pipeline_chat_only');
}
