/**
 * The app as the one-shot commands use it: the same configuration as `serve` (flags over
 * environment, --config, --data-dir), no HTTP server, and the log written through the CLI's io.
 */
import { createApp } from '../server/app.js';
import { resolveConfig } from '../server/config.js';
import type { AppDeps } from '../server/context.js';
import { createLogger } from '../utils/logger.js';
import type { CliIo } from './io.js';

/** `commandFlags`: the command's own options, accepted besides the server settings. */
export async function openApp(flags: Map<string, string>, io: CliIo, commandFlags: ReadonlySet<string> = new Set()): Promise<AppDeps> {
  const config = resolveConfig(flags, io.env, commandFlags);
  const logger = createLogger({ level: config.logLevel, write: (line) => io.stderr(`${line}\n`) });
  return createApp(config, { logger });
}
