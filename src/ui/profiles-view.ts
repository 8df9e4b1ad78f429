/** Models and profiles: what `rlm models` prints (calibrations included), and per-profile figures over the recent runs. */
import { apiJson } from './api-client.js';
import { clear, el } from './dom.js';

interface ProfilesAnswer {
  report: string;
  installed: { name: string; parameter_size: string | null }[];
  calibrations: Record<string, Calibration | null>;
  recentRuns: number;
  stats: Record<string, { runs: number; completed: number; approvalRate: number | null; escalationRate: number | null; medianCalls: number | null; medianMs: number | null }>;
}

interface Calibration {
  fittedAt: string;
  answers: number;
  accuracy: number;
  taskHash: string;
  models: string[];
}

/** The line `rlm models` prints for a profile's calibration. */
export function calibrationLine(name: string, calibration: Calibration | null): string {
  return calibration === null
    ? `${name}: none; confidence is the raw score`
    : `${name}: fitted ${calibration.fittedAt} on ${calibration.answers} answers (${Math.round(calibration.accuracy * 100)} % right), models ${calibration.models.join(', ')}`;
}

const percent = (value: number | null): string => (value === null ? '-' : `${Math.round(value * 100)} %`);

export async function renderProfiles(root: HTMLElement, signal: AbortSignal): Promise<void> {
  clear(root);
  root.append(el('p', {}, 'loading…'));
  const answer = await apiJson<ProfilesAnswer>('/v1/rlm/profiles', { signal });
  const rows = Object.entries(answer.stats).map(([name, stats]) =>
    el(
      'tr',
      { 'data-profile': name },
      el('td', {}, name),
      el('td', { class: 'num' }, `${stats.completed} / ${stats.runs}`),
      el('td', { class: 'num' }, percent(stats.approvalRate)),
      el('td', { class: 'num' }, percent(stats.escalationRate)),
      el('td', { class: 'num' }, stats.medianCalls === null ? '-' : String(stats.medianCalls)),
      el('td', { class: 'num' }, stats.medianMs === null ? '-' : `${(stats.medianMs / 1000).toFixed(1)} s`),
    ),
  );
  clear(root);
  root.append(
    el('h1', {}, 'Models and profiles'),
    el('pre', { class: 'text', id: 'tiers-report' }, answer.report),
    el('h2', {}, 'Confidence calibration (rlm eval --calibrate)'),
    el(
      'ul',
      { id: 'calibrations' },
      ...Object.entries(answer.calibrations ?? {}).map(([name, calibration]) =>
        el('li', { 'data-profile': name, 'data-calibrated': String(calibration !== null) }, calibrationLine(name, calibration), calibration === null ? '' : el('span', { class: 'note' }, ` (tasks ${calibration.taskHash.slice(0, 12)})`)),
      ),
    ),
    el('h2', {}, `Over the last ${answer.recentRuns} runs`),
    el(
      'div',
      { class: 'scroll' },
      el(
        'table',
        { class: 'runs', id: 'profile-stats' },
        el('thead', {}, el('tr', {}, ...['profile', 'finished / runs', 'approved', 'escalated', 'median calls', 'median time'].map((title) => el('th', { scope: 'col' }, title)))),
        el('tbody', {}, ...rows),
      ),
    ),
    el('h2', {}, 'Installed in Ollama'),
    el('ul', {}, ...answer.installed.map((model) => el('li', {}, `${model.name}${model.parameter_size === null ? '' : ` (${model.parameter_size})`}`))),
  );
}
