/**
 * GET /v1/rlm/profiles: what `rlm models` prints (the profiles in force, where they came from, why
 * each model got its role, the installed models, each profile's stored confidence calibration),
 * with per-profile figures over the most recent runs (profile-stats.ts), for the web page.
 */
import { formatTiersReport } from '../../orchestrator/profiles/tiers-report.js';
import type { RequestContext } from '../../server/context.js';
import { sendJson } from '../../server/error-response.js';
import { profileStats } from './profile-stats.js';

/** The recent runs the figures cover: two pages of the store, whatever the total on disk. */
const RECENT_RUNS = 200;

export async function handleProfiles(context: RequestContext): Promise<void> {
  const { app, signal } = context;
  const { config, reasons } = await app.pipeline.currentConfig(signal);
  const installed = await app.models.list(signal).catch(() => []);
  const first = await app.pipeline.traces.list({ limit: RECENT_RUNS / 2 });
  const second = first.next === null ? { runs: [] } : await app.pipeline.traces.list({ limit: RECENT_RUNS / 2, before: first.next });
  const recent = [...first.runs, ...second.runs];
  // As `rlm models` prints them: the calibration each profile's runs go through (rlm eval --calibrate),
  // read again now (a readdir and a stat per file), so a calibration stored a moment ago is shown.
  await app.calibrations.refresh();
  const calibrations = Object.fromEntries(
    Object.keys(config.profiles).map((name) => {
      const stored = app.calibrations.current(name);
      return [name, stored === undefined ? null : { fittedAt: stored.fittedAt, answers: stored.answers, accuracy: stored.accuracy, taskHash: stored.taskHash, models: stored.models }];
    }),
  );
  sendJson(context.response, 200, {
    source: config.source,
    defaultProfile: config.defaultProfile,
    profiles: config.profiles,
    reasons,
    calibrations,
    report: formatTiersReport(config, reasons),
    installed: installed.map((model) => ({ name: model.name, parameter_size: model.details?.parameter_size ?? null })),
    recentRuns: recent.length,
    stats: profileStats(recent),
  });
}
