/**
 * The 404 for a model that neither Ollama nor the pipeline has, on the native routes: Ollama's own
 * wording first (scripts match on it: chat, generate and show say `model 'x' not found`, embed says
 * `model "x" not found, try pulling it first`, docs/real-ollama-captures.md 43–47), then rlm's
 * help: what Ollama has installed, the pipeline's models, and the command that installs it.
 */
import type { AppDeps } from '../../server/context.js';
import { NotFoundError, UpstreamError } from '../../utils/errors.js';
import type { OllamaTagModel } from '../../types/ollama.js';

export type NotFoundWording = 'chat' | 'embed';

export async function nativeModelNotFound(app: AppDeps, name: string, wording: NotFoundWording, signal: AbortSignal): Promise<NotFoundError> {
  const head = wording === 'embed' ? `model ${JSON.stringify(name)} not found, try pulling it first` : `model '${name}' not found`;
  if (name.trim() === '') return new NotFoundError(head, 'model', 'model_not_found');
  const installed = await app.models.list(signal).catch((): OllamaTagModel[] => []);
  const virtual = await app.pipeline.virtualModelIds(signal).catch((): string[] => []);
  const ollama = installed.length > 0 ? `Ollama models: ${installed.map((model) => model.name).join(', ')}.` : 'No Ollama models are installed yet.';
  const pipeline = virtual.length > 0 ? ` Pipeline models: ${virtual.slice(0, 12).join(', ')}${virtual.length > 12 ? ', …' : ''}.` : '';
  // "rlm…" names the pipeline, not something to pull from Ollama's registry.
  const advice = /^rlm(\/|:|$)/.test(name) ? '' : ` Install it with \`ollama pull ${name}\`.`;
  return new NotFoundError(`${head}. ${ollama}${pipeline}${advice}`, 'model', 'model_not_found');
}

/** Ollama's 404 on an inference route means the model is missing: answered with rlm's help instead. */
export async function explainNativeUpstreamError(app: AppDeps, name: string, wording: NotFoundWording, error: unknown, signal: AbortSignal): Promise<never> {
  if (error instanceof UpstreamError && error.upstreamStatus === 404) throw await nativeModelNotFound(app, name, wording, signal);
  throw error;
}

/** A native stream whose missing-model 404 (it comes before the first chunk) is explained the same way. */
export async function* explainedStream<T>(chunks: AsyncGenerator<T>, explain: (error: unknown) => Promise<never>): AsyncGenerator<T> {
  try {
    yield* chunks;
  } catch (error) {
    await explain(error);
  }
}
