/**
 * `rlm models`: the profiles in force (from rlm.config.json, or derived from what Ollama has, with
 * the reasons), the models Ollama has installed, and any model a profile names that is missing.
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

  if (flags.has('--json')) {
    const { source, defaultProfile, profiles } = config;
    io.stdout(`${JSON.stringify({ source, defaultProfile, profiles, calibrations, reasons, installed, problems }, null, 2)}\n`);
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
  lines.push('', `installed in Ollama (${app.ollama.baseUrl}):`);
  if (rows.length === 0) lines.push('  nothing yet: pull a model, e.g. `ollama pull qwen2.5:0.5b`');
  lines.push(...formatTable(rows).map((row) => `  ${row}`));
  if (problems.length > 0) lines.push('', 'problems:', ...problems.map((problem) => `  - ${problem}`));
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
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
      if (!(error instanceof RlmError) || error.code !== 'profile_model_missing') throw error;
      problems.push(error.message);
    }
  }
  return problems;
}
