/**
 * `rlm models`: the profiles in force (from rlm.config.json, or derived from what Ollama has, with
 * the reasons), the models Ollama has installed (with several backends: each backend's state and
 * the merged list), and any model a profile names that is missing.
 */
import { formatTiersReport } from '../orchestrator/profiles/tiers-report.js';
import { parseParameterSize } from '../orchestrator/profiles/tiering.js';
import type { AppDeps } from '../server/context.js';
import type { OllamaTagModel } from '../types/ollama.js';
import type { Profile } from '../types/profile.js';
import { RlmError } from '../utils/errors.js';
import type { CliIo } from './io.js';
import { openApp } from './open-app.js';
import { formatTable } from './trace-text.js';

interface InstalledModel {
  name: string;
  parameter_size: string | null;
  capabilities: string[];
}

export async function modelsCommand(flags: Map<string, string>, io: CliIo): Promise<number> {
  const app = await openApp(flags, io);
  const { config, reasons } = await app.pipeline.currentConfig();
  const tags = await app.models.list();
  const installed = await Promise.all([...tags].sort(bySize).map((model) => describeModel(app, model)));
  const problems = await missingModels(app, Object.values(config.profiles));

  // Which confidence calibration each profile's runs go through (rlm eval --calibrate).
  const calibrations = Object.fromEntries(
    Object.keys(config.profiles).map((name) => {
      const stored = app.calibrations.current(name);
      return [name, stored === undefined ? null : { fittedAt: stored.fittedAt, answers: stored.answers, accuracy: stored.accuracy, taskHash: stored.taskHash, models: stored.models }];
    }),
  );

  const backends = await describeBackends(app);
  if (flags.has('--json')) {
    const { source, defaultProfile, profiles } = config;
    io.stdout(`${JSON.stringify({ source, defaultProfile, profiles, calibrations, reasons, installed, backends, problems }, null, 2)}\n`);
    return 0;
  }
  const rows = installed.map((model) => [model.name, model.parameter_size ?? '?', model.capabilities.join(', ')]);
  const lines = [formatTiersReport(config, reasons).trimEnd(), '', 'confidence calibration (rlm eval --calibrate):'];
  for (const [name, calibration] of Object.entries(calibrations)) {
    lines.push(
      calibration === null
        ? `  ${name}: none; confidence is the raw score`
        : `  ${name}: fitted ${calibration.fittedAt} on ${calibration.answers} answers (${Math.round(calibration.accuracy * 100)} % right), models ${calibration.models.join(', ')}`,
    );
  }
  if (app.backends.pool !== undefined) {
    lines.push('', 'backends (rlm.config.json):');
    const backendRows = backends.map((backend) => [
      backend.name,
      backend.type,
      backend.url,
      backend.state,
      backend.reachable ? `${backend.models.length} models` : (backend.error ?? 'unreachable'),
      `${backend.inFlight} in flight`,
      backend.latencyMs === null ? '' : `${backend.latencyMs} ms`,
    ]);
    lines.push(...formatTable(backendRows).map((row) => `  ${row}`));
    lines.push('', 'models on the backends (one entry per id; backend/model pins one):');
  } else {
    lines.push('', `installed in Ollama (${app.ollama.baseUrl}):`);
  }
  if (rows.length === 0) lines.push('  nothing yet: pull a model, e.g. `ollama pull qwen2.5:0.5b`');
  lines.push(...formatTable(rows).map((row) => `  ${row}`));
  if (problems.length > 0) lines.push('', 'problems:', ...problems.map((problem) => `  - ${problem}`));
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

interface BackendLine {
  name: string;
  type: string;
  url: string;
  /** up, cooling, probing (the pool's view), or down (its probe got no answer). */
  state: string;
  reachable: boolean;
  models: string[];
  error: string | null;
  inFlight: number;
  latencyMs: number | null;
}

/** Each backend's probe, with the pool's state of it when there are several. */
async function describeBackends(app: AppDeps): Promise<BackendLine[]> {
  const states = app.backends.pool?.states() ?? [];
  return Promise.all(
    app.backends.probes.map(async (probe, index): Promise<BackendLine> => {
      const status = await probe.probe.current();
      const state = states[index];
      return {
        name: probe.name,
        type: probe.type,
        url: probe.url,
        state: !status.reachable ? 'down' : state?.tracked ? state.state : 'up',
        reachable: status.reachable,
        models: status.reachable ? status.models : (state?.models ?? []),
        error: status.reachable ? null : status.message,
        inFlight: state?.inFlight ?? 0,
        latencyMs: status.reachable ? status.latencyMs : null,
      };
    }),
  );
}

/** Smallest first, as the tiers are chosen; unknown sizes last. */
function bySize(left: OllamaTagModel, right: OllamaTagModel): number {
  const size = (model: OllamaTagModel): number => {
    const parameters = parseParameterSize(model.details?.parameter_size);
    return Number.isNaN(parameters) ? Number.POSITIVE_INFINITY : parameters;
  };
  return size(left) - size(right) || left.name.localeCompare(right.name);
}

/** Newer servers list capabilities in /api/tags; older ones only in /api/show. */
async function describeModel(app: AppDeps, model: OllamaTagModel): Promise<InstalledModel> {
  const capabilities = model.capabilities ?? (await app.models.capabilities(model.name)) ?? [];
  return { name: model.name, parameter_size: model.details?.parameter_size ?? null, capabilities };
}

/** What `checkProfileModels` would refuse a request for, one sentence per profile. */
async function missingModels(app: AppDeps, profiles: readonly Profile[]): Promise<string[]> {
  const problems: string[] = [];
  for (const profile of profiles) {
    try {
      await app.pipeline.checkProfileModels(profile);
    } catch (error) {
      if (!(error instanceof RlmError) || (error.code !== 'profile_model_missing' && error.code !== 'profile_backend_unsupported')) throw error;
      problems.push(error.message);
    }
  }
  return problems;
}
