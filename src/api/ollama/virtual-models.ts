/**
 * How a virtual model (a profile, or `rlm/<model>`) looks to Ollama's clients: an /api/tags entry
 * and an /api/show answer, built from its generator, the model that writes its drafts. Its details
 * (family, size, quantisation) and context length are the generator's; its capabilities are the
 * generator's chat capabilities plus `thinking`, since a client that asks to think gets the stage
 * progress as thinking (and without `insert` or `embedding`: the pipeline does neither). Its
 * modelfile is a summary of the profile, as `ollama show` prints one.
 */
import { createHash } from 'node:crypto';
import { VIRTUAL_PREFIX } from '../../orchestrator/service/pipeline-service.js';
import type { AppDeps } from '../../server/context.js';
import type { OllamaModelDetails, OllamaShowResponse, OllamaTagModel } from '../../types/ollama.js';
import type { Profile } from '../../types/profile.js';

export interface VirtualModel {
  id: string;
  /** Undefined while the profiles cannot be known (derived ones, with Ollama down). */
  profile: Profile | undefined;
  generator: OllamaTagModel | undefined;
  capabilities: string[];
}

/** What is known of a virtual model from the installed list and the cached capabilities, without asking Ollama for more. */
export async function describeVirtual(app: AppDeps, id: string, installed: readonly OllamaTagModel[], signal: AbortSignal): Promise<VirtualModel> {
  const profile = await profileOf(app, id, signal);
  const generatorName = id.startsWith(VIRTUAL_PREFIX) ? id.slice(VIRTUAL_PREFIX.length) : profile?.generator;
  const generator = generatorName === undefined ? undefined : installed.find((model) => model.name === generatorName || model.model === generatorName);
  const known = generator === undefined ? undefined : await app.models.capabilities(generator.name, signal).catch(() => undefined);
  return { id, profile, generator, capabilities: virtualCapabilities(known ?? generator?.capabilities) };
}

async function profileOf(app: AppDeps, id: string, signal: AbortSignal): Promise<Profile | undefined> {
  try {
    return await app.pipeline.resolveModel(id, signal);
  } catch {
    return undefined;
  }
}

export function virtualCapabilities(generator: readonly string[] | undefined): string[] {
  const capabilities = (generator ?? ['completion']).filter((capability) => capability !== 'insert' && capability !== 'embedding');
  if (!capabilities.includes('completion')) capabilities.unshift('completion');
  if (!capabilities.includes('thinking')) capabilities.push('thinking');
  return capabilities;
}

function details(model: VirtualModel): OllamaModelDetails {
  const generator = model.generator?.details;
  return {
    parent_model: model.generator?.name ?? model.profile?.generator ?? '',
    format: generator?.format ?? 'gguf',
    family: generator?.family ?? 'rlm',
    families: generator?.families ?? [generator?.family ?? 'rlm'],
    parameter_size: generator?.parameter_size ?? '',
    quantization_level: generator?.quantization_level ?? '',
  };
}

function modifiedAt(model: VirtualModel, startedAt: number): string {
  return model.generator?.modified_at ?? new Date(startedAt).toISOString();
}

export function virtualTagEntry(model: VirtualModel, startedAt: number): OllamaTagModel {
  return {
    name: model.id,
    model: model.id,
    modified_at: modifiedAt(model, startedAt),
    size: model.generator?.size ?? 0,
    // Bare hex as Ollama's; a new generator (or a re-pulled one) is a new digest.
    digest: createHash('sha256').update(`rlm virtual model\n${model.id}\n${model.generator?.digest ?? ''}`).digest('hex'),
    details: details(model),
    capabilities: model.capabilities,
  };
}

/**
 * The /api/show answer. `generatorShow` is the generator's own (for its architecture, parameter
 * count and context length), when Ollama answered it.
 */
export function virtualShowBody(model: VirtualModel, generatorShow: OllamaShowResponse | undefined, app: AppDeps): OllamaShowResponse {
  const info = generatorShow?.model_info ?? {};
  const architecture = typeof info['general.architecture'] === 'string' ? info['general.architecture'] : (model.generator?.details.family ?? 'rlm');
  const modelInfo: Record<string, unknown> = { 'general.architecture': architecture };
  for (const key of ['general.parameter_count', `${architecture}.context_length`, `${architecture}.embedding_length`]) {
    if (info[key] !== undefined) modelInfo[key] = info[key];
  }
  const { profile } = model;
  if (profile !== undefined) {
    Object.assign(modelInfo, {
      'rlm.profile': profile.name,
      'rlm.planner': profile.planner,
      'rlm.generator': profile.generator,
      'rlm.verifier': profile.verifier,
      'rlm.ladder': profile.ladder,
    });
  }
  const generate = profile?.stages.generate;
  const numCtx = generate?.num_ctx ?? app.config.numCtx;
  const parameters: [string, string | number][] = [];
  if (numCtx > 0) parameters.push(['num_ctx', numCtx]);
  if (generate !== undefined) {
    parameters.push(['temperature', generate.temperature], ['seed', generate.seed]);
    if (generate.num_predict > 0) parameters.push(['num_predict', generate.num_predict]);
  }
  return {
    modelfile: modelfile(model, parameters),
    // Ollama pads each name to 30 characters (`ollama show --parameters`).
    parameters: parameters.map(([name, value]) => `${name.padEnd(30)} ${value}`).join('\n'),
    template: '{{ .Prompt }}',
    details: details(model),
    model_info: modelInfo,
    capabilities: model.capabilities,
    modified_at: modifiedAt(model, app.startedAt),
  };
}

function modelfile(model: VirtualModel, parameters: readonly [string, string | number][]): string {
  const { profile } = model;
  const lines = [
    `# rlm pipeline model "${model.id}": each answer is planned, drafted, verified, revised and escalated by rlm.`,
    `# Its drafts come from the model below; the other models of the profile are listed after it.`,
    `FROM ${model.generator?.name ?? profile?.generator ?? 'unknown (Ollama cannot be reached)'}`,
  ];
  if (profile !== undefined) {
    lines.push(
      `# planner      ${profile.planner} (plan: ${profile.plan})`,
      `# verifier     ${profile.verifier}`,
      `# ladder       ${profile.ladder.length > 0 ? profile.ladder.join(' -> ') : 'none'} (${profile.maxRevisions} revisions per tier)`,
      `# exhausted    ${profile.onExhausted}`,
      `# index        ${profile.index ?? 'none'}`,
    );
  }
  for (const [name, value] of parameters) lines.push(`PARAMETER ${name} ${value}`);
  return `${lines.join('\n')}\n`;
}
