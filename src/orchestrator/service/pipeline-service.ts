/**
 * The pipeline as the server uses it: which model ids are virtual (profiles, and `rlm/<model>`),
 * the profiles in force (from rlm.config.json, or derived from what Ollama has installed), the
 * limit on runs in flight, the call cache, the trace store, and running one request. A request
 * asked again after its last run ended unapproved runs as a retry (loop/retry.ts).
 */
import type { Retrieval } from '../../index/retrieval.js';
import type { ModelCatalog } from '../../llm/model-catalog.js';
import type { OllamaClient } from '../../llm/ollama-client.js';
import type { FailoverObserver } from '../../llm/pool/backend-pool.js';
import type { PromptSet } from '../../prompts/load.js';
import type { RunTrace } from '../../types/attempt.js';
import type { Profile, RlmConfigFile } from '../../types/profile.js';
import { InvalidRequestError, NotFoundError, RlmError } from '../../utils/errors.js';
import type { Logger } from '../../utils/logger.js';
import { createCallCache, type CallCache } from './call-cache.js';
import { abandonRun, PipelineRejectedError, runPipeline, startRunTrace } from '../loop/loop.js';
import { createRetryMemory, retryKey } from '../loop/retry.js';
import { DEFAULT_PROFILE_NAME, DEFAULT_SETTINGS, DERIVED_SOURCE } from '../profiles/profile-config.js';
import { checkProfile, type ProfileNeeds } from '../profiles/profile-checks.js';
import { newRunId } from './run-id.js';
import { createRunLimiter, type RunLimiter } from './run-limiter.js';
import { deriveDefaultProfile, isChatModel } from '../profiles/tiering.js';
import { createTraceStore, type RunWriter, type TraceStore } from '../traces/trace-store.js';
import type { PipelineDeps, PipelineRequest, PipelineResult, RecordedFailover, RunRequest } from '../loop/types.js';

/** `rlm/<ollama-model>`: the default profile with that model as its generator. */
export const VIRTUAL_PREFIX = 'rlm/';

export interface PipelineService {
  readonly traces: TraceStore;
  readonly cache: CallCache | undefined;
  readonly limiter: RunLimiter;
  /** The profiles in force and, when derived, the reasons for each tier. */
  currentConfig(signal?: AbortSignal): Promise<{ config: RlmConfigFile; reasons: string[] }>;
  /** The profile a model id names, or undefined when the id is a plain Ollama model. */
  resolveModel(modelId: string, signal?: AbortSignal): Promise<Profile | undefined>;
  /** Every virtual model id, for /v1/models. */
  virtualModelIds(signal?: AbortSignal): Promise<string[]>;
  /** Throws a clear error when the profile cannot serve the request: a model missing, no tool support, no index. */
  checkProfileModels(profile: Profile, signal?: AbortSignal, needs?: ProfileNeeds): Promise<void>;
  newRunId(): string;
  /**
   * Takes the run's place (a slot, or the queue's) and records its header, before anything is
   * answered: throws the 429 when there is no place, so a run id handed out names a run that exists.
   */
  admit(input: RunRequest): Promise<AdmittedRun>;
  /** admit, then run: for callers that answer only at the end (rlm ask). */
  run(input: PipelineRequest): Promise<PipelineResult>;
  /** Calls `listener` as runs are admitted, record a step, and end (the web page's live list); returns the unsubscribe. */
  onRunEvent(listener: RunEventListener): () => void;
}

/** A run as it is at the event: `trace` holds the records written so far (the writer's own frozen list). */
export interface RunEvent {
  type: 'started' | 'updated' | 'finished';
  trace: RunTrace;
}
export type RunEventListener = (event: RunEvent) => void;

/** A run with its place taken and its header written. `run` must be called exactly once. */
export interface AdmittedRun {
  readonly runId: string;
  /**
   * Waits for a slot, then runs. A client that leaves while the run waits is recorded as aborted
   * (the header and a finish), and the place goes to the next run.
   */
  run(options: { signal: AbortSignal; onProgress?: PipelineRequest['onProgress'] }): Promise<PipelineResult>;
}

export interface PipelineServiceOptions {
  /** The parsed rlm.config.json, or undefined to derive profiles from the installed models. */
  fileConfig: RlmConfigFile | undefined;
  dataDir: string;
  ollama: OllamaClient;
  models: ModelCatalog;
  prompts: PromptSet;
  retrieval: Retrieval;
  logger: Logger;
  numCtx: number;
  now: () => number;
  newId: (prefix: string) => string;
  /** Maps a run's raw confidence through its profile's stored calibration (the server reads them). */
  calibrate?: PipelineDeps['calibrate'];
  /**
   * With several backends: a view of the pool for one run, keeping each model on the backend it
   * first went to (warm caches) and telling the run of each failover, which it records.
   */
  session?: (observer: FailoverObserver) => OllamaClient;
}

/** The run's own deps: its pool session, the failovers it has still to record, and which backend answered its latest call. */
function runDeps(deps: PipelineDeps, session: PipelineServiceOptions['session']): PipelineDeps {
  if (session === undefined) return deps;
  const pending: RecordedFailover[] = [];
  let answered: string | undefined;
  const ollama = session({
    onFailover: (event) => pending.push({ from: event.from, to: event.to, error: event.error.message, at: performance.now() }),
    onAnswer: (backend) => {
      answered = backend;
    },
  });
  const take = (): string | undefined => {
    const backend = answered;
    answered = undefined;
    return backend;
  };
  return { ...deps, ollama, failovers: { take: () => pending.splice(0) }, answeredBy: { take } };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Old trace folders go at start and once a day after; a failure is logged, never fatal. */
function schedulePruning(traces: TraceStore, logger: Logger): void {
  const prune = (): void => {
    traces.prune().then(
      (deleted) => {
        if (deleted > 0) logger.info('traces_pruned', { files: deleted });
      },
      (error: unknown) => logger.warn('traces_prune_failed', { error }),
    );
  };
  prune();
  setInterval(prune, DAY_MS).unref();
}

export function createPipelineService(options: PipelineServiceOptions): PipelineService {
  const settings = options.fileConfig?.settings ?? DEFAULT_SETTINGS;
  const traces = createTraceStore({
    dataDir: options.dataDir,
    retentionDays: settings.retentionDays,
    now: options.now,
    // The run itself is durable; verify-traces will report it as finished but not in the ledger.
    onLedgerError: (error, runId) => options.logger.error('trace_ledger_write_failed', { run_id: runId, error }),
  });
  const cache = settings.cache.enabled ? createCallCache(settings.cache.maxEntries) : undefined;
  const limiter = createRunLimiter({ maxConcurrent: settings.maxConcurrentRuns, maxQueued: settings.maxQueuedRuns });
  // How each request's last run ended, so that asking again after an unapproved answer is a retry.
  const retries = createRetryMemory();
  schedulePruning(traces, options.logger);
  const deps: PipelineDeps = {
    ollama: options.ollama,
    models: options.models,
    prompts: options.prompts,
    traces,
    cache,
    retrieval: options.retrieval,
    logger: options.logger,
    numCtx: options.numCtx,
    now: options.now,
    newId: options.newId,
    ...(options.calibrate ? { calibrate: options.calibrate } : {}),
  };
  let derived: { key: string; config: RlmConfigFile; reasons: string[] } | undefined;
  // A file may hold settings only; its profiles are then derived like having no file at all.
  const fileProfiles = options.fileConfig !== undefined && Object.keys(options.fileConfig.profiles).length > 0;

  const currentConfig = async (signal?: AbortSignal): Promise<{ config: RlmConfigFile; reasons: string[] }> => {
    if (fileProfiles) return { config: options.fileConfig as RlmConfigFile, reasons: [] };
    const installed = await options.models.list(signal);
    const key = installed.map((model) => `${model.name}@${model.digest}`).join(',');
    if (derived?.key !== key) {
      const { profile, reasons } = deriveDefaultProfile(installed);
      const source = options.fileConfig ? `${options.fileConfig.source} (profiles ${DERIVED_SOURCE})` : DERIVED_SOURCE;
      const config = { defaultProfile: DEFAULT_PROFILE_NAME, profiles: { [DEFAULT_PROFILE_NAME]: profile }, settings, backends: options.fileConfig?.backends ?? null, source };
      derived = { key, config, reasons };
    }
    return { config: derived.config, reasons: derived.reasons };
  };

  const configOrNotFound = async (modelId: string, signal?: AbortSignal): Promise<RlmConfigFile> => {
    try {
      return (await currentConfig(signal)).config;
    } catch (error) {
      if (error instanceof RlmError) throw error;
      // No chat model to derive a profile from: the virtual model cannot exist yet.
      throw new NotFoundError(`The model '${modelId}' cannot run: ${(error as Error).message}`, 'model', 'model_not_found');
    }
  };

  const listeners = new Set<RunEventListener>();
  // A listener's failure is its own: it must never fail a run or keep the others from hearing.
  const emit = (type: RunEvent['type'], writer: RunWriter): void => {
    if (listeners.size === 0) return;
    const event: RunEvent = { type, trace: { header: writer.header, attempts: [...writer.attempts] } };
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        options.logger.error('run_event_listener_failed', { run_id: writer.header.runId, error });
      }
    }
  };

  const service: PipelineService = {
    traces,
    onRunEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    cache,
    limiter,
    currentConfig,
    async resolveModel(modelId, signal) {
      const prefixed = modelId.startsWith(VIRTUAL_PREFIX);
      const namesProfile = fileProfiles ? Object.hasOwn(options.fileConfig?.profiles ?? {}, modelId) : modelId === DEFAULT_PROFILE_NAME;
      if (!prefixed && !namesProfile) return undefined;
      const config = await configOrNotFound(modelId, signal);
      if (!prefixed) return config.profiles[modelId];
      const generator = modelId.slice(VIRTUAL_PREFIX.length);
      const installed = await options.models.find(generator, signal);
      if (installed !== undefined && !isChatModel(installed)) {
        throw new InvalidRequestError(`The model '${modelId}' cannot run: '${generator}' cannot chat (it is an embedding model), so it cannot generate.`, 'model', 'model_cannot_chat');
      }
      if (installed === undefined) {
        throw new NotFoundError(
          `The model '${modelId}' runs the pipeline with '${generator}' as its generator, which Ollama does not have. Run \`ollama pull ${generator}\`.`,
          'model',
          'model_not_found',
        );
      }
      const base = config.profiles[config.defaultProfile] as Profile;
      return { ...base, name: modelId, generator };
    },
    async virtualModelIds(signal) {
      let config: RlmConfigFile;
      try {
        config = (await currentConfig(signal)).config;
      } catch {
        return []; // nothing to derive from yet: no virtual models to offer
      }
      const installed = await options.models.list(signal);
      return [...Object.keys(config.profiles), ...installed.filter(isChatModel).map((model) => `${VIRTUAL_PREFIX}${model.name}`)];
    },
    checkProfileModels: (profile, signal, needs = {}) =>
      checkProfile(profile, { models: options.models, dataDir: options.dataDir, source: options.fileConfig?.source }, needs, signal),
    newRunId: () => newRunId(options.now()),
    async admit(input) {
      const reservation = limiter.reserve();
      let started: RunWriter;
      try {
        started = await startRunTrace(deps, input);
      } catch (error) {
        reservation.cancel();
        throw error;
      }
      // Decided at admission: an identical request admitted meanwhile is the same try, not a retry.
      const retryAs = retryKey(input.profile.name, started.header.requestHash);
      const retry = input.retry ?? retries.planFor(retryAs);
      emit('started', started);
      return {
        runId: input.runId,
        async run({ signal, onProgress }) {
          const progress: PipelineRequest['onProgress'] = (event) => {
            emit('updated', started);
            onProgress?.(event);
          };
          const request: PipelineRequest = { ...input, retry, signal, onProgress: progress };
          let release: () => void;
          try {
            release = await reservation.start(signal);
          } catch (error) {
            await abandonRun(deps, request, started, 'the client went away while the run waited for a slot').catch((recordError: unknown) =>
              options.logger.error('trace_write_failed', { run_id: input.runId, error: recordError }),
            );
            emit('finished', started);
            throw error;
          }
          try {
            const result = await runPipeline(runDeps(deps, options.session), request, started);
            const { summary } = result;
            if (summary.status === 'completed') retries.remember(retryAs, retry, { runId: input.runId, approved: summary.approved, issues: summary.issues });
            return result;
          } catch (error) {
            if (error instanceof PipelineRejectedError) retries.remember(retryAs, retry, { runId: input.runId, approved: false, issues: error.issues });
            throw error;
          } finally {
            release();
            emit('finished', started);
          }
        },
      };
    },
    async run(input) {
      const { signal, onProgress, ...runRequest } = input;
      const admitted = await service.admit(runRequest);
      return admitted.run({ signal, ...(onProgress ? { onProgress } : {}) });
    },
  };
  return service;
}
