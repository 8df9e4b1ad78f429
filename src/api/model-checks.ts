/**
 * Checks made before a stream opens, while a real HTTP status can still be sent: the model exists,
 * and it can do what the request asks. Ollama would refuse the same things, but only after our
 * headers are gone, as an event inside a 200 stream.
 */
import type { AppDeps } from '../server/context.js';
import { VIRTUAL_PREFIX } from '../orchestrator/service/pipeline-service.js';
import type { OllamaTagModel } from '../types/ollama.js';
import { InvalidRequestError, UpstreamError, type RlmError } from '../utils/errors.js';

/** Which endpoint asks: the pipeline's virtual ids answer chat only. */
export type Endpoint = 'chat' | 'completions' | 'embeddings';

export interface ModelNeeds {
  endpoint: Endpoint;
  /** chat and generate need "completion"; embeddings need nothing (Ollama does not check). */
  completion?: boolean;
  tools?: boolean;
  insert?: boolean;
}

/** Throws the 404 naming the installed models, the 400 for a pipeline id, or a 400 naming the missing capability. */
export async function checkModel(app: AppDeps, model: string, needs: ModelNeeds, signal: AbortSignal): Promise<{ capabilities: string[] | undefined }> {
  if ((await app.models.find(model, signal)) === undefined) throw await modelMissing(app, model, needs.endpoint, signal);
  const capabilities = await app.models.capabilities(model, signal);
  if (capabilities === undefined) return { capabilities }; // an older Ollama: let it decide
  if (needs.completion && !capabilities.includes('completion')) {
    throw missingCapability(model, capabilities, 'chat or text completion', 'It looks like an embedding model; use it with /v1/embeddings.');
  }
  if (needs.tools && !capabilities.includes('tools')) throw missingCapability(model, capabilities, 'tools', 'Send the request without "tools", or pick a model that supports them.');
  if (needs.insert && !capabilities.includes('insert')) {
    throw missingCapability(model, capabilities, 'fill-in-the-middle ("suffix")', 'Send the request without "suffix", or pick a code model that supports insert.');
  }
  return { capabilities };
}

function missingCapability(model: string, capabilities: readonly string[], capability: string, advice: string): InvalidRequestError {
  return new InvalidRequestError(
    `The model '${model}' does not support ${capability} (it supports: ${capabilities.join(', ') || 'nothing listed'}). ${advice}`,
    'model',
    'model_capability_missing',
  );
}

/** An upstream "model not found" (the model vanished between our check and the call, or was never Ollama's) becomes our 404 with the list, or the pipeline's 400. */
export async function explainUpstreamError(app: AppDeps, model: string, error: unknown, signal: AbortSignal, endpoint: Endpoint): Promise<never> {
  if (error instanceof UpstreamError && error.upstreamStatus === 404) throw await modelMissing(app, model, endpoint, signal);
  throw error;
}

/** A model Ollama does not have: the pipeline's own id sent to an endpoint it does not serve, or the 404. */
async function modelMissing(app: AppDeps, model: string, endpoint: Endpoint, signal: AbortSignal): Promise<RlmError> {
  const virtualIds = await app.pipeline.virtualModelIds(signal).catch((): string[] => []);
  if (endpoint !== 'chat' && (model.startsWith(VIRTUAL_PREFIX) || virtualIds.includes(model))) return pipelineChatOnly(app, model, endpoint, signal);
  return app.models.notFound(model, signal, virtualIds);
}

const SERVED_BY: Record<Exclude<Endpoint, 'chat'>, { what: string; capability: string; example: string }> = {
  completions: { what: 'autocomplete (/v1/completions)', capability: 'completion', example: 'qwen2.5-coder:1.5b' },
  embeddings: { what: 'embeddings (/v1/embeddings)', capability: 'embedding', example: 'nomic-embed-text' },
};

/**
 * The 400 for a pipeline id where the pipeline does not run: it plans, verifies and revises a chat
 * answer, which an editor's keystroke-by-keystroke autocomplete or an embedding has no use for.
 * It names the installed models that can serve the endpoint instead.
 */
async function pipelineChatOnly(app: AppDeps, model: string, endpoint: Exclude<Endpoint, 'chat'>, signal: AbortSignal): Promise<InvalidRequestError> {
  const { what, capability, example } = SERVED_BY[endpoint];
  const installed = await app.models.list(signal).catch((): OllamaTagModel[] => []);
  const capable = await Promise.all(
    installed.map(async (candidate) => {
      // An older Ollama reports no capabilities; such a model may serve it, so it is listed.
      const capabilities = await app.models.capabilities(candidate.name, signal).catch(() => undefined);
      if (capabilities !== undefined && !capabilities.includes(capability)) return undefined;
      const fim = endpoint === 'completions' && capabilities?.includes('insert') === true;
      return fim ? `${candidate.name} (fill-in-the-middle)` : candidate.name;
    }),
  );
  const names = capable.filter((name) => name !== undefined);
  const offer = names.length > 0 ? `Models that serve it: ${names.join(', ')}.` : `No installed model serves it; install one, such as \`ollama pull ${example}\`.`;
  return new InvalidRequestError(
    `The model '${model}' is rlm's pipeline, which answers chat only (/v1/chat/completions); it does not serve ${what}. ${offer}`,
    'model',
    'pipeline_chat_only',
  );
}
