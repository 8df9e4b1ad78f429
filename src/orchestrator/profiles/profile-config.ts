/**
 * rlm.config.json: the named pipeline profiles and the server-wide pipeline settings. A profile's
 * name is the model id clients ask for. What users write (every key optional but `generator`):
 *
 * ```json
 * {
 *   "defaultProfile": "rlm",
 *   "profiles": {
 *     "rlm": {
 *       "planner": "qwen2.5:0.5b", "generator": "llama3.2:3b", "verifier": "qwen2.5:0.5b",
 *       "ladder": ["qwen3:8b"], "maxRevisions": 2, "plan": "auto", "onExhausted": "best", "progress": true,
 *       "stages": { "generate": { "num_predict": 4096 }, "verify": { "temperature": 0 } }
 *     }
 *   },
 *   "maxConcurrentRuns": 2, "maxQueuedRuns": 32,
 *   "cache": { "enabled": true, "maxEntries": 1000 },
 *   "retentionDays": 30,
 *   "backends": { "gpu": { "url": "http://gpu-box:11434" } }
 * }
 * ```
 *
 * - `planner` and `verifier` default to the generator; `ladder` (larger models, tried in order) to [].
 * - `maxRevisions` 0..10 (default 2); `plan` "always" | "auto" | "never" (default "auto");
 *   `onExhausted` "best" | "error" (default "best"); `progress` true | false (default true).
 * - `unapprovedText` "note" | "bare" (default "note"): under onExhausted "best", a never-approved
 *   text answer carries a short marked note with its unresolved issues after it, or leaves bare;
 *   `unapprovedStructured` "error" | "bare" (default "error"): one whose content must parse (JSON
 *   mode, a schema) is never altered, so it is a 422, or bare (marked only in `rlm` and the headers).
 * - `minApprovalProbability` null (default, off) or 0..1: an APPROVED verdict whose token
 *   probability is lower counts as a rejection for revising and escalating.
 * - `index` (optional): a retrieval index built with `rlm index`; its top `k` chunks (1..50, default
 *   6) for the last user message ground the plan, the draft and the verdict.
 * - `stages.plan|generate|verify|revise`: Ollama options merged key by key over DEFAULT_STAGE_OPTIONS:
 *   temperature 0..2, seed a whole number, num_ctx null (the server's --num-ctx, the default) or ≥ 0
 *   (0 = Ollama's default), num_predict -1
 *   (unbounded) or ≥ 1, keep_alive "5m" | seconds | null.
 * - `defaultProfile` must name a profile; it defaults to "rlm" if present, else the first profile.
 * - maxConcurrentRuns 1..64, maxQueuedRuns 0..10000, cache.maxEntries 0..1000000, retentionDays
 *   0..36500 (0 keeps traces forever).
 * - Profile names: lowercase letters, digits, ".", "_", "-" (at most 64), and nothing that looks like
 *   an OpenAI id ("o1…", "gpt…"): Continue and Cursor send those to OpenAI-only APIs.
 *
 * - `backends` (optional): the model servers behind rlm, by name (backends-config.ts).
 *
 * Unknown keys are errors, so a typo never silently falls back to a default; every problem is
 * reported at once, each naming its key path.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from '../../server/config.js';
import type { OllamaTagModel } from '../../types/ollama.js';
import type {
  ExhaustedPolicy,
  PipelineSettings,
  PlanPolicy,
  Profile,
  RlmConfigFile,
  StageName,
  StageOptions,
  UnapprovedStructuredPolicy,
  UnapprovedTextPolicy,
} from '../../types/profile.js';
import { Checker, closest, describe, isJsonObject, type JsonObject } from './config-checker.js';
import { checkBackendReferences, readBackends } from './backends-config.js';
import { deriveDefaultProfile } from './tiering.js';

export const DEFAULT_PROFILE_NAME = 'rlm';
/** Chunks retrieved for a profile that names an index and no `k`. */
export const DEFAULT_RETRIEVAL_K = 6;
export const DERIVED_SOURCE = 'derived from the models installed in Ollama';

// Temperature 0 and a fixed seed make each call repeatable, which the cache and trace replay rely on;
// num_ctx null: the server's --num-ctx (8192 by default, above Ollama's silently truncating
// default), the same size every other request to the model uses, so Ollama never reloads it.
const stageDefaults = (num_predict: number): StageOptions =>
  Object.freeze({ temperature: 0, seed: 42, num_ctx: null, num_predict, keep_alive: null });

export const DEFAULT_STAGE_OPTIONS: Record<StageName, StageOptions> = Object.freeze({
  plan: stageDefaults(512),
  generate: stageDefaults(2048),
  verify: stageDefaults(512),
  revise: stageDefaults(2048),
});

export const DEFAULT_SETTINGS: PipelineSettings = Object.freeze({ maxConcurrentRuns: 2, maxQueuedRuns: 32, cache: Object.freeze({ enabled: true, maxEntries: 1000 }), retentionDays: 30 });

/** A profile's policies when the file does not set them (shared with the derived profile). */
export const DEFAULT_PROFILE_POLICIES: Pick<
  Profile,
  'maxRevisions' | 'plan' | 'onExhausted' | 'progress' | 'unapprovedText' | 'unapprovedStructured' | 'minApprovalProbability'
> = Object.freeze({
  maxRevisions: 2,
  plan: 'auto',
  onExhausted: 'best',
  progress: true,
  unapprovedText: 'note',
  unapprovedStructured: 'error',
  minApprovalProbability: null,
});

/** A ConfigError whose message says which file the problems are in; `problems` keep their key paths. */
export class ConfigFileError extends ConfigError {
  readonly source: string;
  constructor(problems: string[], source: string) {
    super(problems);
    this.name = 'ConfigFileError';
    this.source = source;
    this.message = `Invalid configuration in ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`;
  }
}


const TOP_KEYS = ['defaultProfile', 'profiles', 'backends', 'maxConcurrentRuns', 'maxQueuedRuns', 'cache', 'retentionDays'];
const PROFILE_KEYS = [
  'planner',
  'generator',
  'verifier',
  'ladder',
  'maxRevisions',
  'plan',
  'onExhausted',
  'unapprovedText',
  'unapprovedStructured',
  'minApprovalProbability',
  'progress',
  'stages',
  'index',
  'k',
];
const INDEX_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const STAGE_NAMES: readonly StageName[] = ['plan', 'generate', 'verify', 'revise'];
const STAGE_OPTION_KEYS: readonly (keyof StageOptions)[] = ['temperature', 'seed', 'num_ctx', 'num_predict', 'keep_alive'];
const PLAN_POLICIES: readonly PlanPolicy[] = ['always', 'auto', 'never'];
const EXHAUSTED_POLICIES: readonly ExhaustedPolicy[] = ['best', 'error'];
const UNAPPROVED_TEXT_POLICIES: readonly UnapprovedTextPolicy[] = ['note', 'bare'];
const UNAPPROVED_STRUCTURED_POLICIES: readonly UnapprovedStructuredPolicy[] = ['error', 'bare'];
const PROFILE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Validates a parsed rlm.config.json; throws ConfigFileError listing every problem. */
/**
 * `derived`: the profile "rlm" to use when the file defines none, or 'later' to accept a file
 * without profiles as settings only (`profiles: {}`; the server then derives them when asked).
 */
export function parseRlmConfig(json: unknown, source: string, derived?: Profile | 'later', env: NodeJS.ProcessEnv = process.env): RlmConfigFile {
  const check = new Checker();
  const root = check.object(json, '', TOP_KEYS, 'the file must hold a JSON object');
  const profiles: Record<string, Profile> = {};
  const rawProfiles = root?.profiles === undefined ? {} : (check.object(root.profiles, 'profiles', undefined) ?? {});
  const names = Object.keys(rawProfiles);
  for (const name of names) {
    const profile = readProfile(check, name, rawProfiles[name]);
    if (profile !== undefined) profiles[name] = profile;
  }
  if (root !== undefined && names.length === 0 && (root.profiles === undefined || isJsonObject(root.profiles))) {
    if (derived !== undefined && derived !== 'later') {
      profiles[DEFAULT_PROFILE_NAME] = { ...structuredClone(derived), name: DEFAULT_PROFILE_NAME };
      names.push(DEFAULT_PROFILE_NAME);
    } else if (derived === undefined) {
      check.report('profiles', 'must hold at least one profile, e.g. {"rlm": {"generator": "llama3.2:3b"}}');
    }
  }

  let defaultProfile = names.includes(DEFAULT_PROFILE_NAME) ? DEFAULT_PROFILE_NAME : (names[0] ?? DEFAULT_PROFILE_NAME);
  if (root?.defaultProfile !== undefined && names.length > 0) {
    if (typeof root.defaultProfile === 'string' && names.includes(root.defaultProfile)) defaultProfile = root.defaultProfile;
    else {
      const guess = typeof root.defaultProfile === 'string' ? closest(root.defaultProfile, names) : undefined;
      const hint = guess === undefined ? '' : ` (did you mean ${JSON.stringify(guess)}?)`;
      check.report('defaultProfile', `must name one of the profiles (${names.join(', ')}), got ${describe(root.defaultProfile)}${hint}`);
    }
  }

  const settings = readSettings(check, root ?? {});
  const backends = readBackends(check, root?.backends, env);
  if (backends !== null) checkBackendReferences(check, backends, profiles);
  if (check.problems.length > 0) throw new ConfigFileError(check.problems, source);
  return { defaultProfile, profiles, settings, backends, source };
}

/** Reads the config file named by RLM_CONFIG or ./rlm.config.json (`env` also holds what `apiKeyEnv` names); without either, derives one from Ollama. */
export async function loadRlmConfig(options: {
  env: NodeJS.ProcessEnv;
  cwd: string;
  installed: () => Promise<OllamaTagModel[]>;
}): Promise<RlmConfigFile> {
  const file = await readRlmConfigFile(options);
  if (file !== undefined && Object.keys(file.profiles).length > 0) return file;
  const { profile } = deriveDefaultProfile(await options.installed());
  return {
    defaultProfile: DEFAULT_PROFILE_NAME,
    profiles: { [DEFAULT_PROFILE_NAME]: profile },
    settings: file?.settings ?? DEFAULT_SETTINGS,
    backends: file?.backends ?? null,
    source: file?.source ?? DERIVED_SOURCE,
  };
}

/**
 * Reads and validates the config file without asking Ollama anything: undefined when there is no
 * file at the default path; a file without profiles gives its settings and `profiles: {}`.
 */
export async function readRlmConfigFile(options: { env: NodeJS.ProcessEnv; cwd: string }): Promise<RlmConfigFile | undefined> {
  const configured = options.env.RLM_CONFIG?.trim() ?? '';
  const path = resolve(options.cwd, configured === '' ? 'rlm.config.json' : configured);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && configured === '') return undefined;
    if (code === 'ENOENT') throw new ConfigError([`the config file ${JSON.stringify(configured)} (--config or RLM_CONFIG) does not exist: ${path}`]);
    throw new ConfigError([`${path} cannot be read: ${(error as Error).message}`]);
  }
  let json: unknown;
  try {
    // Windows editors may save a byte-order mark, which JSON.parse rejects.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError([`${path} is not valid JSON: ${withLineAndColumn((error as Error).message, text)}`]);
  }
  return parseRlmConfig(json, path, 'later', options.env);
}

/** Node 20's JSON errors give only a character offset; people look for a line. */
function withLineAndColumn(message: string, text: string): string {
  const position = /at position (\d+)/.exec(message);
  if (position === null || /line \d+/.test(message)) return message;
  const before = text.replace(/^\uFEFF/, '').slice(0, Number(position[1]));
  const lines = before.split('\n');
  return `${message} (line ${lines.length} column ${(lines[lines.length - 1] as string).length + 1})`;
}

function readProfile(check: Checker, name: string, value: unknown): Profile | undefined {
  const path = /^[a-z0-9_-]+$/i.test(name) ? `profiles.${name}` : `profiles[${JSON.stringify(name)}]`;
  checkProfileName(check, path, name);
  const body = check.object(value, path, PROFILE_KEYS);
  if (body === undefined) return undefined;
  const generator = check.model(body.generator, `${path}.generator`);
  if (body.generator === undefined) check.report(`${path}.generator`, 'is required: the model that writes the answers, e.g. "llama3.2:3b"');
  const planner = body.planner === undefined ? generator : check.model(body.planner, `${path}.planner`);
  const verifier = body.verifier === undefined ? generator : check.model(body.verifier, `${path}.verifier`);
  const ladder: string[] = [];
  if (Array.isArray(body.ladder)) {
    body.ladder.forEach((model, index) => {
      const checked = check.model(model, `${path}.ladder[${index}]`);
      if (checked !== undefined) ladder.push(checked);
    });
  } else if (body.ladder !== undefined) {
    check.report(`${path}.ladder`, `must be a list of model names, e.g. ["qwen3:8b"], got ${describe(body.ladder)}`);
  }
  const maxRevisions = check.wholeNumber(body.maxRevisions, `${path}.maxRevisions`, DEFAULT_PROFILE_POLICIES.maxRevisions, 0, 10);
  const plan = check.choice(body.plan, `${path}.plan`, PLAN_POLICIES, DEFAULT_PROFILE_POLICIES.plan);
  const onExhausted = check.choice(body.onExhausted, `${path}.onExhausted`, EXHAUSTED_POLICIES, DEFAULT_PROFILE_POLICIES.onExhausted);
  const unapprovedText = check.choice(body.unapprovedText, `${path}.unapprovedText`, UNAPPROVED_TEXT_POLICIES, DEFAULT_PROFILE_POLICIES.unapprovedText);
  const unapprovedStructured = check.choice(
    body.unapprovedStructured,
    `${path}.unapprovedStructured`,
    UNAPPROVED_STRUCTURED_POLICIES,
    DEFAULT_PROFILE_POLICIES.unapprovedStructured,
  );
  let minApprovalProbability: number | null = DEFAULT_PROFILE_POLICIES.minApprovalProbability;
  if (typeof body.minApprovalProbability === 'number' && body.minApprovalProbability >= 0 && body.minApprovalProbability <= 1) {
    minApprovalProbability = body.minApprovalProbability;
  } else if (body.minApprovalProbability !== undefined && body.minApprovalProbability !== null) {
    check.report(`${path}.minApprovalProbability`, `must be null (off) or a number from 0 to 1, e.g. 0.8, got ${describe(body.minApprovalProbability)}`);
  }
  const progress = check.boolean(body.progress, `${path}.progress`, DEFAULT_PROFILE_POLICIES.progress);
  let index: string | null = null;
  if (typeof body.index === 'string' && INDEX_NAME.test(body.index)) index = body.index;
  else if (body.index !== undefined && body.index !== null) {
    check.report(`${path}.index`, `must be the name of an index built with \`rlm index\` (lowercase letters, digits, ".", "_", "-"), got ${describe(body.index)}`);
  }
  const k = check.wholeNumber(body.k, `${path}.k`, DEFAULT_RETRIEVAL_K, 1, 50);
  const stages = readStages(check, body.stages, `${path}.stages`);
  if (generator === undefined || planner === undefined || verifier === undefined) return undefined;
  return { name, planner, generator, verifier, ladder, maxRevisions, plan, onExhausted, unapprovedText, unapprovedStructured, minApprovalProbability, progress, stages, index, k };
}

function checkProfileName(check: Checker, path: string, name: string): void {
  if (name.includes('/')) {
    check.report(path, `a profile name must not contain "/": "rlm/<model>" ids are built in (the default profile with that generator), got ${JSON.stringify(name)}`);
  } else if (!PROFILE_NAME_PATTERN.test(name)) {
    check.report(path, `a profile name must be 1 to 64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, got ${JSON.stringify(name)}`);
  } else if (/^o\d/.test(name) || name.startsWith('gpt') || name.includes('gpt-')) {
    check.report(
      path,
      `${JSON.stringify(name)} looks like an OpenAI model id, and editor clients treat those specially: Continue and Cursor route ` +
        'ids starting with "o" and a digit, or "gpt", or holding "gpt-", to OpenAI-only APIs (the Responses API, chat-only routing), ' +
        'so requests for it would fail; choose another name',
    );
  }
}

/** What each stage option accepts, and how to say so when it does not. */
const STAGE_OPTION_RULES: { [Key in keyof StageOptions]: { accepts: (value: unknown) => value is StageOptions[Key]; expected: string } } = {
  temperature: { accepts: (value): value is number => typeof value === 'number' && value >= 0 && value <= 2, expected: 'a number from 0 to 2' },
  seed: { accepts: (value): value is number => Number.isSafeInteger(value), expected: 'a whole number' },
  num_ctx: {
    accepts: (value): value is number | null => value === null || isWholeAtLeast(value, 0),
    expected: "null (the server's --num-ctx) or a whole number of 0 or more (0 leaves it to Ollama)",
  },
  num_predict: { accepts: (value): value is number => value === -1 || isWholeAtLeast(value, 1), expected: '-1 (unbounded) or a whole number of 1 or more' },
  keep_alive: {
    accepts: (value): value is string | number | null => value === null || (typeof value === 'string' && value.trim() !== '') || Number.isFinite(value),
    expected: 'a duration like "5m", a number of seconds, or null',
  },
};

function isWholeAtLeast(value: unknown, minimum: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= minimum;
}

function readStages(check: Checker, value: unknown, path: string): Record<StageName, StageOptions> {
  const stages = structuredClone(DEFAULT_STAGE_OPTIONS);
  const body = value === undefined ? undefined : check.object(value, path, STAGE_NAMES);
  for (const stage of STAGE_NAMES) {
    if (body?.[stage] === undefined) continue;
    const options = check.object(body[stage], `${path}.${stage}`, STAGE_OPTION_KEYS);
    for (const key of STAGE_OPTION_KEYS) {
      if (options?.[key] !== undefined) mergeOption(check, stages[stage], key, options[key], `${path}.${stage}.${key}`);
    }
  }
  return stages;
}

function mergeOption<Key extends keyof StageOptions>(check: Checker, target: StageOptions, key: Key, value: unknown, path: string): void {
  const rule = STAGE_OPTION_RULES[key];
  if (rule.accepts(value)) target[key] = value;
  else check.report(path, `must be ${rule.expected}, got ${describe(value)}`);
}

function readSettings(check: Checker, root: JsonObject): PipelineSettings {
  const cache = root.cache === undefined ? {} : (check.object(root.cache, 'cache', ['enabled', 'maxEntries']) ?? {});
  return {
    maxConcurrentRuns: check.wholeNumber(root.maxConcurrentRuns, 'maxConcurrentRuns', DEFAULT_SETTINGS.maxConcurrentRuns, 1, 64),
    maxQueuedRuns: check.wholeNumber(root.maxQueuedRuns, 'maxQueuedRuns', DEFAULT_SETTINGS.maxQueuedRuns, 0, 10_000),
    cache: {
      enabled: check.boolean(cache.enabled, 'cache.enabled', DEFAULT_SETTINGS.cache.enabled),
      maxEntries: check.wholeNumber(cache.maxEntries, 'cache.maxEntries', DEFAULT_SETTINGS.cache.maxEntries, 0, 1_000_000),
    },
    retentionDays: check.wholeNumber(root.retentionDays, 'retentionDays', DEFAULT_SETTINGS.retentionDays, 0, 36_500),
  };
}
