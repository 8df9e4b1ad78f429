/**
 * Checks made before a stream opens, while a real HTTP status can still be sent: the model exists,
 * and it can do what the request asks. Ollama would refuse the same things, but only after our
 * headers are gone, as an event inside a 200 stream.
 */
import type { AppDeps } from '../server/context.js';
import { InvalidRequestError, UpstreamError } from '../utils/errors.js';

export interface ModelNeeds {
  /** chat and generate need "completion"; embeddings need nothing (Ollama does not check). */
  completion?: boolean;
  tools?: boolean;
  insert?: boolean;
}

/** Throws the 404 naming the installed models, or a 400 naming the missing capability. */
export async function checkModel(app: AppDeps, model: string, needs: ModelNeeds, signal: AbortSignal): Promise<{ capabilities: string[] | undefined }> {
  if ((await app.models.find(model, signal)) === undefined) throw await app.models.notFound(model, signal, await app.pipeline.virtualModelIds(signal));
  const capabilities = await app.models.capabilities(model, signal);
  if (capabilities === undefined) return { capabilities }; // an older Ollama: let it decide
  const missing = (capability: string, advice: string): InvalidRequestError =>
    new InvalidRequestError(
      `The model '${model}' does not support ${capability} (it supports: ${capabilities.join(', ') || 'nothing listed'}). ${advice}`,
      'model',
      'model_capability_missing',
    );
  if (needs.completion && !capabilities.includes('completion')) {
    throw missing('chat or text completion', 'It looks like an embedding model; use it with /v1/embeddings.');
  }
  if (needs.tools && !capabilities.includes('tools')) throw missing('tools', 'Send the request without "tools", or pick a model that supports them.');
  if (needs.insert && !capabilities.includes('insert')) throw missing('fill-in-the-middle ("suffix")', 'Send the request without "suffix", or pick a code model that supports insert.');
  return { capabilities };
}

/** An upstream "model not found" (the model vanished between our check and the call) becomes our 404 with the list. */
export async function explainUpstreamError(app: AppDeps, model: string, error: unknown, signal: AbortSignal): Promise<never> {
  if (error instanceof UpstreamError && error.upstreamStatus === 404) throw await app.models.notFound(model, signal, await app.pipeline.virtualModelIds(signal));
  throw error;
}
