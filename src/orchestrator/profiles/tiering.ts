/**
 * A working default profile from whatever chat models Ollama has installed, so `rlm serve` is useful
 * before anyone writes rlm.config.json. Small models are cheap to run often (planning, and a verdict
 * on every draft); the largest is kept back for the requests the others cannot get approved.
 */
import { ConfigError } from '../../server/config.js';
import type { OllamaTagModel } from '../../types/ollama.js';
import type { Profile } from '../../types/profile.js';
import { DEFAULT_PROFILE_NAME, DEFAULT_PROFILE_POLICIES, DEFAULT_RETRIEVAL_K, DEFAULT_STAGE_OPTIONS } from './profile-config.js';

export interface ModelSize {
  name: string;
  /** In billions; NaN if unknown. */
  parameters: number;
}

export interface DerivedProfile {
  profile: Profile;
  /** Why each model got its role, as sentences for `rlm models`. */
  reasons: string[];
}

const SIZE_PATTERN = /^\s*(?:(\d+)\s*x\s*)?(\d+(?:\.\d+)?)\s*([kmbt])?\s*$/i;
/** Billions per unit; no unit is a plain count (Ollama writes counts under a thousand that way). */
const BILLIONS_PER_UNIT: Record<string, number> = { '': 1e-9, k: 1e-6, m: 1e-3, b: 1, t: 1e3 };

/** Ollama's details.parameter_size in billions: "3.2B" -> 3.2, "137M" -> 0.137, "8x7B" -> 56; NaN if unreadable. */
export function parseParameterSize(text: string | undefined): number {
  const match = SIZE_PATTERN.exec(text ?? '');
  if (match === null) return Number.NaN;
  const experts = match[1] === undefined ? 1 : Number(match[1]);
  const value = Number(match[2]) * experts;
  const unit = (match[3] ?? '').toLowerCase();
  // Dividing by a whole power of ten keeps "137M" at exactly 0.137, which multiplying by 1e-3 does not.
  const scale = BILLIONS_PER_UNIT[unit] as number;
  return scale < 1 ? value / Math.round(1 / scale) : value * scale;
}

/** Families of encoder-only models, which Ollama serves for embeddings but cannot chat with. */
const EMBEDDING_FAMILIES = new Set(['bert', 'nomic-bert', 'nomic-bert-moe', 'jina-bert', 'jina-bert-v2', 'xlm-roberta', 'roberta']);

/** Whether a model can answer a chat; embedding models cannot. */
export function isChatModel(model: OllamaTagModel): boolean {
  const capabilities = model.capabilities ?? [];
  // Newer servers say what a model can do; trust that over guessing from its name.
  if (capabilities.includes('completion')) return true;
  if (capabilities.includes('embedding')) return false;
  const families = [model.details?.family, ...(model.details?.families ?? [])];
  if (families.some((family) => family !== undefined && EMBEDDING_FAMILIES.has(family.toLowerCase()))) return false;
  return !model.name.toLowerCase().includes('embed');
}

/** Smallest first; unknown sizes after every known one; equal sizes by name, so the order never depends on Ollama's. */
function compareSizes(left: ModelSize, right: ModelSize): number {
  const leftUnknown = Number.isNaN(left.parameters);
  const rightUnknown = Number.isNaN(right.parameters);
  if (leftUnknown !== rightUnknown) return leftUnknown ? 1 : -1;
  if (!leftUnknown && left.parameters !== right.parameters) return left.parameters - right.parameters;
  return left.name < right.name ? -1 : left.name > right.name ? 1 : 0;
}

/** Larger in the sorted order's sense: an unknown size counts as larger than any known one. */
function isLarger(candidate: ModelSize, than: ModelSize): boolean {
  if (Number.isNaN(than.parameters)) return false;
  return Number.isNaN(candidate.parameters) || candidate.parameters > than.parameters;
}

/** "0.5B", "137M", "size unknown". */
export function formatParameters(parameters: number): string {
  if (Number.isNaN(parameters)) return 'size unknown';
  if (parameters < 1) return `${Number((parameters * 1000).toFixed(1))}M`;
  return `${Number(parameters.toFixed(2))}B`;
}

const described = (model: ModelSize): string => `${model.name} (${formatParameters(model.parameters)})`;

/**
 * The smallest chat model plans and verifies; the generator is the next size up that is not the
 * largest; the largest, when it is not the generator, is the one escalation tier.
 */
/** A model made for code: it can fill in the middle, or its name says so. */
function isCodeModel(model: OllamaTagModel): boolean {
  return model.capabilities?.includes('insert') === true || /(^|[^a-z])(code|coder|codellama|starcoder|codestral|codegemma)/i.test(model.name);
}

export function deriveDefaultProfile(models: OllamaTagModel[]): DerivedProfile {
  const chat = models.filter(isChatModel);
  const skipped = models.filter((model) => !isChatModel(model)).map((model) => model.name);
  const sorted: ModelSize[] = chat
    .map((model) => ({ name: model.name, parameters: parseParameterSize(model.details?.parameter_size) }))
    .sort(compareSizes);
  const codeModels = new Set(chat.filter(isCodeModel).map((model) => model.name));
  const smallest = sorted[0];
  const largest = sorted[sorted.length - 1];
  if (smallest === undefined || largest === undefined) {
    throw new ConfigError(['no chat model is installed in Ollama: pull one, e.g. `ollama pull qwen2.5:0.5b` and `ollama pull llama3.2`']);
  }

  const reasons: string[] = [];
  let generator = smallest;
  if (sorted.length === 1) {
    reasons.push(`planner, generator and verifier: ${described(smallest)}, the only chat model installed`);
  } else {
    reasons.push(`verifier and planner: ${smallest.name}, the smallest chat model (${formatParameters(smallest.parameters)})`);
    const candidates = sorted.length >= 3 ? sorted.slice(1, -1).filter((model) => isLarger(model, smallest)) : [];
    // A code model (fill-in-the-middle, "coder") is usually installed for autocomplete: a general
    // model of the same tier answers chat better, so it is preferred when there is one.
    const general = candidates.find((model) => !codeModels.has(model.name));
    const middle = general ?? candidates[0];
    if (middle !== undefined) {
      generator = middle;
      const passedOver = general === undefined ? [] : candidates.filter((model) => codeModels.has(model.name) && compareSizes(model, general) < 0);
      const skippedCode = passedOver.length > 0 ? `; passed over the code model${passedOver.length > 1 ? 's' : ''} ${passedOver.map((model) => model.name).join(', ')}` : '';
      reasons.push(
        `generator: ${middle.name}, the smallest ${passedOver.length > 0 ? 'general ' : ''}model larger than the verifier (${formatParameters(middle.parameters)}), keeping the largest for escalation${skippedCode}`,
      );
    } else if (sorted.length === 2) {
      reasons.push(`generator: ${smallest.name} as well: with two chat models, the larger is kept for escalation`);
    } else {
      reasons.push(`generator: ${smallest.name} as well: no model between it and the largest is larger than it`);
    }
  }

  const ladder = largest.name === generator.name ? [] : [largest.name];
  if (ladder.length > 0) {
    reasons.push(`ladder: ${largest.name}, the largest chat model (${formatParameters(largest.parameters)}), tried when the generator's drafts keep failing verification`);
  } else {
    reasons.push('no ladder: there is no larger model to escalate to; pull one (e.g. `ollama pull qwen3:8b`) to let hard requests escalate');
  }
  if (skipped.length > 0) reasons.push(`skipped ${skipped.join(', ')}: embedding models cannot chat`);

  const profile: Profile = {
    name: DEFAULT_PROFILE_NAME,
    planner: smallest.name,
    generator: generator.name,
    verifier: smallest.name,
    ladder,
    ...DEFAULT_PROFILE_POLICIES,
    stages: structuredClone(DEFAULT_STAGE_OPTIONS),
    index: null,
    k: DEFAULT_RETRIEVAL_K,
  };
  return { profile, reasons };
}
