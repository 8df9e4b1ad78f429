/**
 * The page's entry: a hash router (#/runs, #/run/<id>, #/models, #/evals, #/eval/<id>, #/search), the
 * API-key dialog, and the keyboard: "/" focuses the filter or search box, "g r" goes to the runs,
 * "g m" to the models, "g e" to the eval reports, "g s" to search.
 */
import { setKeyPrompt } from './api-client.js';
import { el } from './dom.js';
import { renderEval, renderEvals } from './evals-view.js';
import { renderProfiles } from './profiles-view.js';
import { renderRun } from './run-view.js';
import { renderRuns, type RunsFilter } from './runs-view.js';
import { renderSearch } from './search-view.js';

const root = document.getElementById('main') as HTMLElement;
let current: AbortController | undefined;

function filterFromHash(query: string): RunsFilter {
  const params = new URLSearchParams(query);
  return { profile: params.get('profile') ?? '', status: params.get('status') ?? '', q: params.get('q') ?? '' };
}

function route(): void {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const hash = location.hash.replace(/^#/, '') || '/runs';
  const [path = '', query = ''] = hash.split('?');
  const fail = (error: unknown): void => {
    if (!controller.signal.aborted) root.replaceChildren(el('p', { class: 'error' }, (error as Error).message));
  };
  document.querySelectorAll('nav a').forEach((link) => link.toggleAttribute('aria-current', link.getAttribute('href') === `#${path.startsWith('/run/') ? '/runs' : path.startsWith('/eval/') ? '/evals' : path}`));
  if (path.startsWith('/run/')) {
    renderRun(root, decodeURIComponent(path.slice('/run/'.length)), controller.signal).catch(fail);
  } else if (path.startsWith('/eval/')) {
    renderEval(root, decodeURIComponent(path.slice('/eval/'.length)), controller.signal).catch(fail);
  } else if (path === '/evals') {
    renderEvals(root, controller.signal).catch(fail);
  } else if (path === '/models') {
    renderProfiles(root, controller.signal).catch(fail);
  } else if (path === '/search') {
    renderSearch(root, controller.signal);
  } else {
    renderRuns(root, filterFromHash(query), controller.signal, (filter) => {
      const params = new URLSearchParams(Object.entries(filter).filter(([, value]) => value !== ''));
      location.hash = `#/runs${params.size > 0 ? `?${params.toString()}` : ''}`;
    });
  }
  root.focus();
}

function keyDialog(message: string): Promise<string | undefined> {
  const dialog = document.getElementById('key-dialog') as HTMLDialogElement;
  const input = document.getElementById('key-input') as HTMLInputElement;
  (document.getElementById('key-message') as HTMLElement).textContent = message;
  input.value = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' ? input.value : undefined), { once: true });
    dialog.showModal();
    input.focus();
  });
}

setKeyPrompt(keyDialog);
window.addEventListener('hashchange', route);

let pendingG = false;
document.addEventListener('keydown', (event) => {
  const target = event.target as HTMLElement;
  if (target.closest('input, select, textarea, dialog') !== null || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === '/') {
    event.preventDefault();
    (document.querySelector('#filter-text, #search-query') as HTMLElement | null)?.focus();
  } else if (pendingG && (event.key === 'r' || event.key === 'm' || event.key === 'e' || event.key === 's')) {
    location.hash = { r: '#/runs', m: '#/models', e: '#/evals', s: '#/search' }[event.key];
  }
  pendingG = event.key === 'g';
});

route();
