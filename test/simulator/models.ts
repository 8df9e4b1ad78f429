/** The simulator's installed models: defaults, and the resolved entries every handler looks up. */
import { createHash } from 'node:crypto';
import { modelKey, parseModelName, qualifiedName, shortestName } from './names.js';
import type { SimulatedModel } from './types.js';

export const DEFAULT_MODELS: readonly SimulatedModel[] = [
  {
    name: 'qwen2.5:0.5b',
    family: 'qwen2',
    parameterSize: '0.5B',
    contextLength: 32768,
    modifiedAt: '2025-06-02T09:15:11.204518861-07:00',
  },
  {
    name: 'llama3.2:latest',
    family: 'llama',
    parameterSize: '3.2B',
    capabilities: ['completion', 'tools'],
    contextLength: 131072,
    modifiedAt: '2025-05-04T17:37:44.706015396-07:00',
  },
  {
    name: 'qwen3:8b',
    family: 'qwen3',
    parameterSize: '8.2B',
    capabilities: ['completion', 'tools', 'thinking'],
    contextLength: 40960,
    modifiedAt: '2025-07-21T11:02:37.918274014-07:00',
  },
  {
    name: 'qwen2.5-coder:1.5b',
    family: 'qwen2',
    parameterSize: '1.5B',
    capabilities: ['completion', 'insert'],
    contextLength: 32768,
    modifiedAt: '2025-04-18T08:44:03.51922117-07:00',
  },
  {
    name: 'nomic-embed-text:latest',
    family: 'nomic-bert',
    parameterSize: '137M',
    quantization: 'F16',
    capabilities: ['embedding'],
    contextLength: 2048,
    embeddingLength: 768,
    modifiedAt: '2025-03-11T15:27:50.33118409-07:00',
  },
];

/** A model with every default filled in, plus the derived names, digest and size. */
export interface CatalogModel {
  /** Display name with the tag, "llama3.2:latest". */
  name: string;
  /** "registry.ollama.ai/library/llama3.2:latest". */
  qualified: string;
  key: string;
  family: string;
  parameterSize: string;
  quantization: string;
  capabilities: string[];
  contextLength: number;
  embeddingLength: number;
  modifiedAt: string;
  /** Bare hex, no "sha256:" prefix. */
  digest: string;
  size: number;
  parameterCount: number;
}

const DEFAULT_MODIFIED_AT = '2025-05-04T17:37:44.706015396-07:00';

/** Bits per weight, roughly, so /api/tags sizes look plausible. */
const BITS_PER_WEIGHT: Record<string, number> = { Q4_0: 4.5, Q4_K_M: 4.85, Q5_K_M: 5.7, Q8_0: 8.5, F16: 16, F32: 32 };

function parameterCount(size: string): number {
  const match = /^([\d.]+)\s*([KMBT]?)$/i.exec(size.trim());
  if (match === null) return 1e9;
  const scale: Record<string, number> = { '': 1, K: 1e3, M: 1e6, B: 1e9, T: 1e12 };
  return Math.round(Number(match[1]) * (scale[(match[2] ?? '').toUpperCase()] ?? 1));
}

export function resolveModel(model: SimulatedModel): CatalogModel {
  const parsed = parseModelName(model.name);
  if (parsed === undefined) throw new Error(`invalid simulated model name: ${model.name}`);
  const quantization = model.quantization ?? 'Q4_K_M';
  const parameterSize = model.parameterSize ?? '1B';
  const parameters = parameterCount(parameterSize);
  return {
    name: shortestName(parsed),
    qualified: qualifiedName(parsed),
    key: modelKey(model.name),
    family: model.family ?? 'llama',
    parameterSize,
    quantization,
    capabilities: [...(model.capabilities ?? ['completion', 'tools'])],
    contextLength: model.contextLength ?? 4096,
    embeddingLength: model.embeddingLength ?? 384,
    modifiedAt: model.modifiedAt ?? DEFAULT_MODIFIED_AT,
    digest: createHash('sha256').update(shortestName(parsed)).digest('hex'),
    size: Math.round((parameters * (BITS_PER_WEIGHT[quantization] ?? 5)) / 8),
    parameterCount: parameters,
  };
}

export class ModelCatalog {
  readonly #models: CatalogModel[];
  #pulls = 0;

  constructor(models: readonly SimulatedModel[]) {
    this.#models = models.map(resolveModel);
  }

  /**
   * As `ollama pull` of changed weights under the same name: the entry keeps its name and gets a
   * new digest (modified_at is kept, so the list's order is too). Returns the new digest; throws for
   * a model that is not installed.
   */
  repull(name: string): string {
    const index = this.#models.findIndex((model) => model.key === modelKey(name));
    const model = this.#models[index];
    if (model === undefined) throw new Error(`cannot re-pull ${name}: it is not installed in the simulator`);
    this.#pulls += 1;
    const digest = createHash('sha256').update(`${model.name}#pull-${this.#pulls}`).digest('hex');
    this.#models[index] = { ...model, digest };
    return digest;
  }

  /** Case-insensitive, default tag latest; undefined when not installed. */
  find(name: string): CatalogModel | undefined {
    const key = modelKey(name);
    return this.#models.find((model) => model.key === key);
  }

  /** Newest modified_at first, as /api/tags sorts. */
  newestFirst(): CatalogModel[] {
    return [...this.#models].sort((a, b) => Date.parse(b.modifiedAt) - Date.parse(a.modifiedAt));
  }
}
