/**
 * Eval reports: the list of what `rlm eval` stored, newest first and a page at a time, and one
 * report with its tables and charts. The charts are the SVG report.html draws, fetched with the
 * key and shown through <img> from a blob: URL, so their markup is an image's, never the page's.
 */
import { apiFetch, apiJson, ApiError } from './api-client.js';
import { clear, el } from './dom.js';
import type { EvalDetail, EvalList, EvalListRow } from './wire.js';

const PAGE = 20;

const percent = (value: number | null): string => (value === null ? '-' : `${(value * 100).toFixed(1)} %`);

function emptyState(): HTMLElement {
  return el(
    'div',
    { id: 'evals-empty', class: 'note' },
    el('p', {}, 'No eval reports yet. Run an eval, and its report appears here:'),
    el('pre', { class: 'text' }, 'rlm eval                      # every built-in suite, the default profile and its models\nrlm eval arithmetic --limit 20 --profiles rlm'),
    el('p', {}, 'Reports written elsewhere with --out are not listed; those under the data directory (eval/<id>/report.json) are.'),
  );
}

function listRow(row: EvalListRow): HTMLTableRowElement {
  const targets = row.error !== undefined ? el('span', { class: 'error' }, row.error) : (row.targets ?? []).map((target) => `${target.name} ${percent(target.accuracy)}`).join(', ');
  return el(
    'tr',
    { 'data-eval-id': row.id },
    el('td', { class: 'when' }, row.writtenAt.slice(0, 19).replace('T', ' ')),
    el('td', {}, el('a', { href: `#/eval/${encodeURIComponent(row.id)}` }, row.id)),
    el('td', { class: 'num' }, row.tasks === undefined ? '' : String(row.tasks)),
    el('td', {}, (row.suites ?? []).join(', ')),
    el('td', {}, targets),
  );
}

export async function renderEvals(root: HTMLElement, signal: AbortSignal): Promise<void> {
  clear(root);
  root.append(el('p', {}, 'loading…'));
  const body = el('tbody', { id: 'evals-body' });
  const more = el('button', { type: 'button', id: 'evals-more', hidden: '' }, 'older reports');
  const note = el('p', { class: 'note', id: 'evals-note' });
  let cursor: string | null = null;
  const load = async (): Promise<EvalList> => {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (cursor !== null) params.set('before', cursor);
    const page = await apiJson<EvalList>(`/v1/rlm/evals?${params.toString()}`, { signal });
    body.append(...page.data.map(listRow));
    cursor = page.next;
    more.hidden = cursor === null;
    note.textContent = `${body.rows.length} of ${page.total} reports shown.`;
    return page;
  };
  const first = await load();
  clear(root);
  root.append(el('h1', {}, 'Eval reports'));
  if (first.total === 0) {
    root.append(emptyState());
    return;
  }
  more.addEventListener('click', () => void load().catch((error: unknown) => (note.textContent = (error as Error).message)));
  root.append(
    el(
      'div',
      { class: 'scroll' },
      el('table', { class: 'runs', id: 'evals' }, el('thead', {}, el('tr', {}, ...['written (UTC)', 'report', 'tasks', 'suites', 'accuracy per target'].map((title) => el('th', { scope: 'col' }, title)))), body),
    ),
    note,
    more,
  );
}

function table(id: string, columns: readonly string[], rows: readonly (readonly string[])[], textColumns: number): HTMLElement {
  return el(
    'div',
    { class: 'scroll' },
    el(
      'table',
      { class: 'runs report', id },
      el('thead', {}, el('tr', {}, ...columns.map((title) => el('th', { scope: 'col' }, title)))),
      el('tbody', {}, ...rows.map((row) => el('tr', {}, ...row.map((cell, column) => el('td', column < textColumns ? {} : { class: 'num' }, cell))))),
    ),
  );
}

/** A chart fetched with the key and shown as an image; the object URL goes when the view does. */
function chart(entry: EvalDetail['charts'][number], signal: AbortSignal): HTMLElement {
  const image = el('img', { alt: entry.title, width: String(entry.width), height: String(entry.height), 'data-chart': entry.name });
  const caption = el('figcaption', {}, entry.title);
  apiFetch(entry.url, { signal })
    .then(async (response) => {
      if (!response.ok) throw new ApiError(response.status, `HTTP ${response.status}`);
      const blob = await response.blob();
      if (blob.type.split(';')[0] !== 'image/svg+xml') throw new Error(`not an image: ${blob.type}`);
      const url = URL.createObjectURL(blob);
      signal.addEventListener('abort', () => URL.revokeObjectURL(url), { once: true });
      image.src = url;
    })
    .catch((error: unknown) => {
      if (!signal.aborted) caption.append(el('span', { class: 'error' }, ` (${(error as Error).message})`));
    });
  return el('figure', { class: 'chart' }, image, caption);
}

export async function renderEval(root: HTMLElement, id: string, signal: AbortSignal): Promise<void> {
  clear(root);
  root.append(el('p', {}, 'loading…'));
  const report = await apiJson<EvalDetail>(`/v1/rlm/evals/${encodeURIComponent(id)}`, { signal });
  clear(root);
  root.append(
    el('p', {}, el('a', { href: '#/evals' }, '← eval reports')),
    el('h1', {}, `Eval report ${report.id}`),
    el(
      'dl',
      { class: 'facts' },
      el('dt', {}, 'written'), el('dd', {}, report.writtenAt),
      el('dt', {}, 'tasks'), el('dd', {}, `${report.tasks} (suites ${report.suites.join(', ')})`),
      el('dt', {}, 'seed'), el('dd', {}, report.seed === null ? '-' : String(report.seed)),
      el('dt', {}, 'tasks hash'), el('dd', {}, el('code', {}, report.taskHash)),
    ),
    el('h2', {}, 'Summary'),
    report.summary.rows.length === 0 ? el('p', {}, 'No results.') : table('eval-summary', report.summary.columns, report.summary.rows, 2),
    el('h2', {}, 'Accuracy by suite'),
    table('eval-suites', report.bySuite.columns, report.bySuite.rows, 1),
    el('h2', {}, 'Charts'),
    el('div', { class: 'charts', id: 'eval-charts' }, ...report.charts.map((entry) => chart(entry, signal))),
  );
}
