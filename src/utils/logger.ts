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

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? writeToStandardError;
  const now = options.now ?? (() => new Date());
  const threshold = SEVERITY[options.level];

  const build = (inherited: LogFields): Logger => {
    const log = (level: EmittingLevel, event: string, fields?: LogFields): void => {
      if (SEVERITY[level] < threshold) return;
      try {
        write(formatLine(level, now(), event, inherited, fields));
      } catch {
        // A broken sink must not take a request down with it; there is nowhere left to report to.
      }
    };
    return {
      debug: (event, fields) => log('debug', event, fields),
      info: (event, fields) => log('info', event, fields),
      warn: (event, fields) => log('warn', event, fields),
      error: (event, fields) => log('error', event, fields),
      child: (fields) => build({ ...inherited, ...fields }),
    };
  };
  return build({});
}

const ignore = (): void => {};

export const silentLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => silentLogger,
};

function writeToStandardError(line: string): void {
  process.stderr.write(line + '\n');
}

function formatLine(level: EmittingLevel, time: Date, event: string, inherited: LogFields, fields: LogFields | undefined): string {
  const timeText = safeIsoString(time);
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

function safeIsoString(time: Date): string {
  return Number.isNaN(time.getTime()) ? String(time) : time.toISOString();
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
