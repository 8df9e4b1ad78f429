/** `rlm serve` (= npm start): starts the server, checks the backend once, and stops cleanly on Ctrl-C. */
import { resolveConfig } from '../server/config.js';
import { startServer } from '../server/app.js';
import type { AppDeps } from '../server/context.js';
import type { CliIo } from './io.js';
import { tightenTree } from '../utils/private-files.js';

export async function serveCommand(flags: Map<string, string>, io: CliIo): Promise<number> {
  const config = resolveConfig(flags, io.env);
  const running = await startServer(config);
  const { logger } = running.app;

  // Signals are handled from the moment the server listens, so a Ctrl-C is always a clean stop.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn('forced_exit', { signal });
        running.server.closeAllConnections();
        resolve(130);
        return;
      }
      stopping = true;
      logger.info('stopping', { signal, advice: 'press Ctrl-C again to stop at once' });
      void running.close().then(() => resolve(0));
    };
    io.onSignal('SIGINT', stop);
    io.onSignal('SIGTERM', stop);
  });

  await tightenDataDirectory(running.app);
  const pool = running.app.backends.pool;
  const backends = pool === undefined ? { ollama: config.ollamaUrl } : { backends: pool.members.map((member) => member.name) };
  logger.info('listening', { url: running.url, ...backends, api_key: config.apiKey !== undefined });
  await probeBackend(running.app);
  return stopped;
}

/** Traces and indexes hold prompts, answers and file contents: what an older rlm left readable to others is narrowed, and said. */
async function tightenDataDirectory(app: AppDeps): Promise<void> {
  const { tightened, failed } = await tightenTree(app.config.dataDir);
  if (tightened > 0) app.logger.warn('data_dir_tightened', { data_dir: app.config.dataDir, paths: tightened, advice: 'traces and indexes are now readable by you alone (0700 directories, 0600 files)' });
  for (const problem of failed.slice(0, 5)) app.logger.warn('data_dir_not_private', { path: problem.path, error: problem.error, advice: 'fix its owner or mode by hand: other users may read it' });
}

/**
 * One look at the backend, so that a missing Ollama is reported now rather than at the first
 * request; the server keeps running either way, since Ollama may simply start later.
 */
async function probeBackend(app: AppDeps): Promise<void> {
  if (app.backends.pool === undefined) {
    try {
      const { version } = await app.ollama.version(AbortSignal.timeout(3000));
      const { models } = await app.ollama.tags(AbortSignal.timeout(3000));
      app.logger.info('backend_ready', { version, models: models.length });
      if (models.length === 0) app.logger.warn('backend_has_no_models', { advice: 'pull one, e.g. `ollama pull qwen2.5:0.5b`' });
    } catch (error) {
      app.logger.warn('backend_unreachable', { url: app.ollama.baseUrl, error, advice: 'start it with `ollama serve`, or set OLLAMA_HOST' });
    }
    return;
  }
  // Several backends (rlm.config.json): one line each; the pool routes around those that are down.
  await Promise.all(
    app.backends.probes.map(async ({ name, type, url, probe }) => {
      const status = await probe.current();
      if (status.reachable) app.logger.info('backend_ready', { backend: name, type, url, version: status.version, models: status.models.length });
      else app.logger.warn('backend_unreachable', { backend: name, type, url, error: status.message, advice: `start it, or fix backends.${name}.url in rlm.config.json` });
    }),
  );
}
