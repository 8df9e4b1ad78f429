/**
 * The model lists that editors fill their model pickers from (/v1/models, /api/tags): what Ollama
 * has installed and the pipeline's virtual ids. When Ollama cannot be reached, the lists are not
 * an error but the last ones known, with the configured profiles (or the default `rlm` when the
 * profiles are derived from the installed models), so that rlm does not vanish from a picker while
 * Ollama restarts. /health is where the outage is reported.
 */
import type { ModelCatalog } from '../llm/model-catalog.js';
import { DEFAULT_PROFILE_NAME } from '../orchestrator/profiles/profile-config.js';
import { isChatModel } from '../orchestrator/profiles/tiering.js';
import { VIRTUAL_PREFIX } from '../orchestrator/service/pipeline-service.js';
import type { AppDeps } from '../server/context.js';
import type { OllamaTagModel } from '../types/ollama.js';
import { RlmError } from '../utils/errors.js';

export interface ModelListing {
  installed: OllamaTagModel[];
  virtualIds: string[];
  /** false: Ollama did not answer, and `installed` is the last list it gave (or empty). */
  reachable: boolean;
}

/** The last list each catalogue gave, kept per app (tests run many apps in one process). */
const lastKnown = new WeakMap<ModelCatalog, OllamaTagModel[]>();

export async function listModels(app: AppDeps, signal: AbortSignal): Promise<ModelListing> {
  let installed: OllamaTagModel[];
  try {
    installed = await app.models.list(signal);
  } catch (error) {
    // A client that left is not an outage, and a bug is not one either.
    if (signal.aborted || !(error instanceof RlmError)) throw error;
    const known = lastKnown.get(app.models) ?? [];
    return { installed: known, virtualIds: await offlineVirtualIds(app, known, signal), reachable: false };
  }
  lastKnown.set(app.models, installed);
  return { installed, virtualIds: await app.pipeline.virtualModelIds(signal), reachable: true };
}

/** The last installed list seen, for /health while Ollama is down. */
export function lastKnownModels(app: AppDeps): OllamaTagModel[] {
  return lastKnown.get(app.models) ?? [];
}

/** Profiles from rlm.config.json need no backend; derived ones do, so the default profile stands in. */
async function offlineVirtualIds(app: AppDeps, installed: readonly OllamaTagModel[], signal: AbortSignal): Promise<string[]> {
  let profiles: string[];
  try {
    profiles = Object.keys((await app.pipeline.currentConfig(signal)).config.profiles);
  } catch {
    profiles = [DEFAULT_PROFILE_NAME];
  }
  return [...profiles, ...installed.filter(isChatModel).map((model) => `${VIRTUAL_PREFIX}${model.name}`)];
}
