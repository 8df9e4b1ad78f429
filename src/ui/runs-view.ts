/**
 * The runs list: newest first, a page at a time from the runs API, filtered by profile, status and
 * text on the server, and live: the run-events feed adds new runs at the top and updates running ones.
 */
import { apiJson, followEvents } from './api-client.js';
import { clear, el } from './dom.js';
import type { RunList, RunRow } from './wire.js';

const PAGE = 50;

export interface RunsFilter {
  profile: string;
  status: string;
  q: string;
}

export function statusOf(run: RunRow): string {
  return run.status === 'completed' ? (run.approved ? 'approved' : 'unapproved') : run.status;
}

function matches(run: RunRow, filter: RunsFilter): boolean {
  if (filter.profile !== '' && run.profile !== filter.profile) return false;
  if (filter.status !== '' && statusOf(run) !== filter.status) return false;
  const q = filter.q.trim().toLowerCase();
  return q === '' || `${run.runId}\n${run.question}`.toLowerCase().includes(q);
}

function row(run: RunRow): HTMLTableRowElement {
  const status = statusOf(run);
  const link = el('a', { href: `#/run/${encodeURIComponent(run.runId)}` }, run.question === '' ? run.runId : run.question);
  return el(
    'tr',
    { 'data-run-id': run.runId, 'data-status': status },
    el('td', { class: 'when' }, run.startedAt.slice(0, 19).replace('T', ' ')),
    el('td', {}, el('span', { class: `badge ${status}` }, status)),
    el('td', { class: 'question' }, link),
    el('td', {}, run.profile),
    el('td', { class: 'num' }, run.status === 'completed' ? run.confidence.toFixed(2) : ''),
    el('td', { class: 'num' }, String(run.attempts)),
    el('td', {}, run.escalated ? 'escalated' : ''),
    el('td', { class: 'num' }, `${(run.durationMs / 1000).toFixed(1)} s`),
  );
}

export function renderRuns(root: HTMLElement, filter: RunsFilter, signal: AbortSignal, onFilter: (filter: RunsFilter) => void): void {
  const profile = el('input', { id: 'filter-profile', placeholder: 'profile', value: filter.profile, 'aria-label': 'profile' });
  const status = el('select', { id: 'filter-status', 'aria-label': 'status' }, ...['', 'approved', 'unapproved', 'failed', 'aborted', 'running', 'interrupted'].map((value) => el('option', { value }, value === '' ? 'any status' : value)));
  status.value = filter.status;
  const q = el('input', { id: 'filter-text', type: 'search', placeholder: 'text in question or answer', value: filter.q, 'aria-label': 'text' });
  const form = el('form', { class: 'filters', role: 'search' }, profile, status, q, el('button', { type: 'submit' }, 'filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onFilter({ profile: profile.value.trim(), status: status.value, q: q.value });
  });
  status.addEventListener('change', () => form.requestSubmit());
  const body = el('tbody', { id: 'runs-body' });
  const table = el(
    'table',
    { class: 'runs' },
    el('thead', {}, el('tr', {}, ...['started (UTC)', 'status', 'question', 'profile', 'conf.', 'calls', '', 'time'].map((title) => el('th', { scope: 'col' }, title)))),
    body,
  );
  const more = el('button', { type: 'button', id: 'runs-more', hidden: '' }, 'older runs');
  const note = el('p', { class: 'note', id: 'runs-note' });
  const live = el('p', { class: 'live', id: 'live-state' }, 'live: connecting');
  clear(root);
  root.append(el('h1', {}, 'Runs'), form, live, el('div', { class: 'scroll' }, table), note, more);

  const rows = new Map<string, HTMLTableRowElement>();
  const place = (run: RunRow, atTop: boolean): void => {
    const fresh = row(run);
    const existing = rows.get(run.runId);
    rows.set(run.runId, fresh);
    if (existing !== undefined) existing.replaceWith(fresh);
    else if (atTop) body.prepend(fresh);
    else body.append(fresh);
  };
  let cursor: string | null = null;
  const load = async (): Promise<void> => {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (cursor !== null) params.set('before', cursor);
    if (filter.profile) params.set('profile', filter.profile);
    if (filter.status) params.set('status', filter.status);
    if (filter.q.trim()) params.set('q', filter.q.trim());
    const page = await apiJson<RunList>(`/v1/rlm/runs?${params.toString()}`, { signal });
    for (const run of page.data) place(run, false);
    cursor = page.next;
    more.hidden = cursor === null;
    const searched = page.scanned !== undefined && cursor !== null ? `searched ${page.scanned} runs back to ${cursor}; ` : '';
    note.textContent = rows.size === 0 ? `${searched}no runs${filter.profile || filter.status || filter.q ? ' match' : ' yet'}.` : `${searched}${rows.size} shown.`;
  };
  more.addEventListener('click', () => void load().catch((error: unknown) => (note.textContent = String(error))));
  void load()
    .catch((error: unknown) => (note.textContent = (error as Error).message))
    .then(() =>
      followEvents(
        '/v1/rlm/run-events',
        (value) => {
          live.textContent = 'live';
          const { run } = value as { run: RunRow };
          if (matches(run, filter) || rows.has(run.runId)) place(run, true);
        },
        signal,
        () => (live.textContent = 'live'),
      ),
    )
    .then(() => {
      // The server ended the feed (it is stopping).
      if (!signal.aborted) live.textContent = 'live: the server closed the feed (reload to retry)';
    })
    .catch(() => {
      if (!signal.aborted) live.textContent = 'live: disconnected (reload to retry)';
    });
}
