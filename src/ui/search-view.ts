/** Search: a box that queries an index through POST /v1/rlm/search and shows the chunks. */
import { apiJson } from './api-client.js';
import { clear, el, foldedText } from './dom.js';
import type { SearchAnswer } from './wire.js';

export function renderSearch(root: HTMLElement, signal: AbortSignal): void {
  const query = el('input', { id: 'search-query', type: 'search', placeholder: 'what to look for', 'aria-label': 'query', required: '' });
  const index = el('input', { id: 'search-index', placeholder: 'index (when several)', 'aria-label': 'index' });
  const results = el('div', { id: 'search-results', 'aria-live': 'polite' });
  const form = el('form', { class: 'filters', role: 'search' }, query, index, el('button', { type: 'submit' }, 'search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { query: query.value, k: 8, ...(index.value.trim() ? { index: index.value.trim() } : {}) };
    results.textContent = 'searching…';
    apiJson<SearchAnswer>('/v1/rlm/search', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal })
      .then((answer) => {
        clear(results);
        results.append(
          el('p', {}, `${answer.data.length} chunks from index ${answer.index}`),
          el('ol', { class: 'chunks' }, ...answer.data.map((hit) => el('li', {}, el('code', {}, `${hit.path}:${hit.start_line}-${hit.end_line}`), ` score ${hit.score.toFixed(3)}`, foldedText(hit.text, 6)))),
        );
      })
      .catch((error: unknown) => (results.textContent = (error as Error).message));
  });
  clear(root);
  root.append(el('h1', {}, 'Search an index'), form, results);
  query.focus();
}
