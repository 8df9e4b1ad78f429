/**
 * Fields with their own decoding rules: `think` and `keep_alive` (400 at bind time), `options`
 * (api.Options.FromMap, whose type errors surface as 500) and `format` (500 at generation time).
 */
import { goQuote } from './wire.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const THINK_LEVELS = new Set(['high', 'medium', 'low', 'max']);

/** undefined when absent; false, true or a level otherwise. */
export function readThink(value: unknown): Checked<boolean | string | undefined> {
  if (value === undefined || value === null || typeof value === 'boolean') return { ok: true, value: value ?? undefined };
  if (typeof value === 'string' && THINK_LEVELS.has(value)) return { ok: true, value };
  const shown = typeof value === 'string' ? goQuote(value) : JSON.stringify(value);
  return {
    ok: false,
    message: `invalid think value: ${shown} (must be "high", "medium", "low", "max", true, or false)`,
  };
}

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600,
};

/** Go's time.ParseDuration, in seconds, or its error message. */
function parseGoDuration(text: string): Checked<number> {
  const quoted = goQuote(text);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return { ok: true, value: 0 };
  if (rest === '') return { ok: false, message: `time: invalid duration ${quoted}` };
  let total = 0;
  while (rest !== '') {
    const number = /^(\d*)(\.\d*)?/.exec(rest)?.[0] ?? '';
    if (!/\d/.test(number)) return { ok: false, message: `time: invalid duration ${quoted}` };
    rest = rest.slice(number.length);
    const unit = /^[^\d.]*/.exec(rest)?.[0] ?? '';
    if (unit === '') return { ok: false, message: `time: missing unit in duration ${quoted}` };
    const seconds = UNIT_SECONDS[unit];
    if (seconds === undefined) return { ok: false, message: `time: unknown unit ${goQuote(unit)} in duration ${quoted}` };
    total += Number(number) * seconds;
    rest = rest.slice(unit.length);
  }
  return { ok: true, value: sign * total };
}

function goTypeName(value: unknown): string {
  if (Array.isArray(value)) return '[]interface {}';
  if (typeof value === 'object') return 'map[string]interface {}';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

/** api.Duration: a number is seconds, a string a Go duration; the value is seconds or undefined. */
export function readKeepAlive(value: unknown): Checked<number | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value === 'number') return { ok: true, value };
  if (typeof value === 'string') return parseGoDuration(value);
  return { ok: false, message: `Unsupported type: '${goTypeName(value)}'` };
}

const FLOAT_OPTIONS = new Set([
  'temperature', 'top_p', 'min_p', 'typical_p', 'repeat_penalty', 'presence_penalty', 'frequency_penalty',
  'tfs_z', 'mirostat_tau', 'mirostat_eta',
]);
const INT_OPTIONS = new Set([
  'num_keep', 'seed', 'num_predict', 'top_k', 'repeat_last_n', 'mirostat', 'num_ctx', 'num_batch', 'num_gpu',
  'main_gpu', 'num_thread', 'draft_num_predict',
]);
const BOOL_OPTIONS = new Set(['penalize_newline', 'numa', 'use_mmap', 'use_mlock', 'low_vram', 'f16_kv', 'vocab_only']);

/** What the simulator honours from `options`; the rest is only type-checked. */
export interface GenerationLimits {
  /** undefined: unbounded (Ollama's -1). */
  numPredict: number | undefined;
  stop: string[];
}

/** api.Options.FromMap: unknown keys and nulls are ignored; type errors are 500s upstream. */
export function readOptions(options: unknown): Checked<GenerationLimits> {
  const limits: GenerationLimits = { numPredict: undefined, stop: [] };
  if (options === undefined || options === null) return { ok: true, value: limits };
  for (const [key, value] of Object.entries(options as Record<string, unknown>)) {
    if (value === null) continue;
    const name = goQuote(key);
    if (FLOAT_OPTIONS.has(key) && typeof value !== 'number') {
      return { ok: false, message: `option ${name} must be of type float32` };
    }
    if (INT_OPTIONS.has(key) && typeof value !== 'number') {
      return { ok: false, message: `option ${name} must be of type integer` };
    }
    if (BOOL_OPTIONS.has(key) && typeof value !== 'boolean') {
      return { ok: false, message: `option ${name} must be of type boolean` };
    }
    if (key === 'stop') {
      if (!Array.isArray(value)) return { ok: false, message: `option ${name} must be of type array` };
      if (!value.every((item) => typeof item === 'string')) {
        return { ok: false, message: `option ${name} must be of an array of strings` };
      }
      limits.stop = value.filter((item) => item !== '');
    }
    if (key === 'num_predict' && typeof value === 'number') {
      const numPredict = Math.trunc(value);
      limits.numPredict = numPredict < 0 ? undefined : numPredict;
    }
  }
  return { ok: true, value: limits };
}

/** undefined when valid: absent, null, "", "json" or a JSON-schema object. */
export function formatError(format: unknown): string | undefined {
  if (format === undefined || format === null || format === '' || format === 'json') return undefined;
  if (typeof format === 'object' && !Array.isArray(format)) return undefined;
  // Ollama %q-quotes the raw JSON of the field.
  return `invalid format: ${goQuote(JSON.stringify(format))}; expected "json" or a valid JSON Schema object`;
}

/** The checks chat and generate both make right after binding, in Ollama's order (§3.2). */
export function readCommonFields(body: { think?: unknown; keep_alive?: unknown; top_logprobs?: unknown }): Checked<{ think: boolean | string | undefined; keepAlive: number | undefined }> {
  const think = readThink(body.think);
  if (!think.ok) return think;
  const keepAlive = readKeepAlive(body.keep_alive);
  if (!keepAlive.ok) return keepAlive;
  if (typeof body.top_logprobs === 'number' && (body.top_logprobs < 0 || body.top_logprobs > 20)) {
    return { ok: false, message: 'top_logprobs must be between 0 and 20' };
  }
  return { ok: true, value: { think: think.value, keepAlive: keepAlive.value } };
}
