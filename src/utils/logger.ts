/**
 * A JSON-lines logger: one object per line, `{"level","time","event",…fields}`, so a log can be read
 * with `jq` and a request followed by its request_id. The sink and clock are injected so tests see
 * exact lines; logging never throws, whatever the fields hold.
 */
import type { LogLevel } from '../types/config.js';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger whose every line also carries `fields` (e.g. request_id). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Receives one line WITHOUT its newline. Default: standard error, newline appended. */
  write?: (line: string) => void;
  now?: () => Date;
}

type EmittingLevel = Exclude<LogLevel, 'silent'>;

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: Infinity };

const ignore = (): void => {};

export const silentLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => silentLogger,
};

const NO_FIELDS: LogFields = Object.freeze({});

/**
 * Logging that is off costs a call to an empty function: a level below the threshold gets
 * `ignore` itself, so no record is built and no clock is read, and a logger with every level off
 * is `silentLogger`, whose children are itself. A child costs one small object; its fields are
 * merged with its parent's only when it first writes a line.
 */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? writeToStandardError;
  const now = options.now ?? (() => new Date());
  const threshold = SEVERITY[options.level];
  if (threshold === Infinity) return silentLogger;

  const build = (parent: (() => LogFields) | undefined, own: LogFields): Logger => {
    let merged: LogFields | undefined;
    const inherited = (): LogFields => (merged ??= parent === undefined ? own : { ...parent(), ...own });
    const at = (level: EmittingLevel): ((event: string, fields?: LogFields) => void) => {
      if (SEVERITY[level] < threshold) return ignore;
      return (event, fields) => {
        try {
          write(formatLine(level, now(), event, inherited(), fields));
        } catch {
          // A broken sink must not take a request down with it; there is nowhere left to report to.
        }
      };
    };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (fields) => build(inherited, fields),
    };
  };
  return build(undefined, NO_FIELDS);
}

function writeToStandardError(line: string): void {
  process.stderr.write(line + '\n');
}

function formatLine(level: EmittingLevel, time: Date, event: string, inherited: LogFields, fields: LogFields | undefined): string {
  const timeText = safeIsoString(time);
  const fast = formatFlatLine(level, timeText, event, inherited, fields);
  if (fast !== undefined) return fast;
  const record: LogFields = { level, time: timeText, event, ...inherited, ...fields };
  // Fields cannot overwrite the three keys every reader relies on; assigning keeps them first.
  record.level = level;
  record.time = timeText;
  record.event = event;
  try {
    return JSON.stringify(record, safeReplacer());
  } catch (error) {
    // Only a throwing toJSON or getter gets here; keep the event rather than lose the line.
    return JSON.stringify({ level, time: timeText, event, log_error: `fields could not be serialised: ${messageOf(error)}` });
  }
}

/**
 * The common line, whose fields are all strings, numbers, booleans or null (a request's line):
 * one plain JSON.stringify, with no replacer to call per value. The same text as the general path;
 * anything it cannot vouch for (an object, a key among level/time/event, an integer-like key,
 * which JSON would order first) returns undefined and goes the general way.
 */
function formatFlatLine(level: EmittingLevel, timeText: string, event: string, inherited: LogFields, fields: LogFields | undefined): string | undefined {
  const merged = fields === undefined ? inherited : inherited === NO_FIELDS ? fields : { ...inherited, ...fields };
  for (const key in merged) {
    if (key === 'level' || key === 'time' || key === 'event') return undefined;
    const first = key.charCodeAt(0);
    if (first >= 0x30 && first <= 0x39) return undefined;
    const value = merged[key];
    const type = typeof value;
    if (value !== null && type !== 'string' && type !== 'number' && type !== 'boolean' && type !== 'undefined') return undefined;
  }
  const head = `{"level":"${level}","time":${JSON.stringify(timeText)},"event":${JSON.stringify(event)}`;
  const rest = JSON.stringify(merged);
  return rest.length === 2 ? `${head}}` : `${head},${rest.slice(1)}`;
}

/** The last timestamp written, as text: under load many lines share a millisecond, and toISOString was a third of formatting one. */
let lastTime = Number.NaN;
let lastTimeText = '';

function safeIsoString(time: Date): string {
  const ms = time.getTime();
  if (ms === lastTime) return lastTimeText;
  if (Number.isNaN(ms)) return String(time);
  lastTime = ms;
  lastTimeText = time.toISOString();
  return lastTimeText;
}

/**
 * A JSON.stringify replacer that turns Errors into their useful parts (plain JSON.stringify gives
 * `{}`), BigInts into strings, and cycles into "[Circular]". It tracks the current ancestor chain
 * (not every object seen), so an object referenced twice side by side is still written twice.
 */
function safeReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  const ancestors: unknown[] = [];
  return function (this: unknown, _key: string, value: unknown): unknown {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null) return value;
    // `this` is the object holding `value`; everything after it in the chain was a finished sibling branch.
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(value)) return '[Circular]';
    const replaced = value instanceof Error ? describeError(value) : value;
    // The replacement is what JSON.stringify walks next, so it is the holder its children will see.
    ancestors.push(replaced);
    return replaced;
  };
}

function describeError(error: Error): LogFields {
  const description: LogFields = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined && code !== null) description.code = code;
  if (error.cause !== undefined) description.cause = messageOf(error.cause);
  return description;
}

function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return '[unprintable]';
  }
}
