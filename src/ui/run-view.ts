/**
 * One run: the question, the timeline, the plan, each draft with its verdicts and issues beside it
 * (a revision with its word diff against the draft it fixed), the decisions, the retrieved chunks,
 * the answer, confidence and approval, and the hash-chain status.
 */
import { apiJson } from './api-client.js';
import { clear, el, foldedText } from './dom.js';
import { formatDuration, layoutTimeline } from './timeline-layout.js';
import type { Attempt, RunDetail } from './wire.js';
import { wordDiff } from './word-diff.js';
import { statusOf } from './runs-view.js';

function section(id: string, title: string, ...children: (Node | string)[]): HTMLElement {
  return el('section', { id, 'aria-labelledby': `${id}-title` }, el('h2', { id: `${id}-title` }, title), ...children);
}

function questionText(detail: RunDetail): string {
  const messages = detail.header.request.messages ?? [];
  const last = [...messages].reverse().find((message) => message.role === 'user');
  if (last === undefined) return '';
  return typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
}

function timeline(detail: RunDetail): HTMLElement {
  const layout = layoutTimeline(detail.header.startedAt, detail.attempts);
  const axis = el('div', { class: 'axis', 'aria-hidden': 'true' });
  for (const tick of layout.ticks) {
    const mark = el('span', { class: 'tick' }, tick.label);
    mark.style.left = `${tick.left}%`;
    axis.append(mark);
  }
  const list = el('ol', { class: 'timeline' });
  layout.bars.forEach((bar, index) => {
    const attempt = detail.attempts[index] as Attempt;
    const fill = el('span', { class: `bar ${bar.outcome}`, title: bar.label });
    fill.style.left = `${bar.left}%`;
    fill.style.width = `${bar.width}%`;
    list.append(el('li', { 'data-stage': attempt.stage, 'data-outcome': bar.outcome }, el('span', { class: 'bar-label' }, bar.label), el('span', { class: 'track' }, fill)));
  });
  return section('timeline', `Timeline (${formatDuration(layout.totalMs)})`, axis, list);
}

function verdicts(detail: RunDetail, draft: Attempt): HTMLElement {
  const judged = detail.attempts.filter((attempt) => attempt.parentAttemptId === draft.attemptId && (attempt.stage === 'verify' || attempt.stage === 'check'));
  const list = el('ul', { class: 'verdicts' });
  for (const verdict of judged) {
    const name = verdict.stage === 'verify' ? `verifier ${verdict.model ?? ''}${verdict.backend !== undefined ? ` on ${verdict.backend}` : ''}` : `check ${verdict.name ?? ''}`;
    const probability = verdict.verdictProbability === null ? '' : ` (p ${verdict.verdictProbability.toFixed(2)})`;
    list.append(
      el(
        'li',
        { class: `verdict ${verdict.verdict === 'APPROVED' ? 'passed' : 'rejected'}` },
        el('strong', {}, `${verdict.verdict ?? '?'}`),
        ` ${name}${probability}`,
        verdict.issues.length > 0 ? el('ul', { class: 'issues' }, ...verdict.issues.map((issue) => el('li', {}, issue))) : null,
        verdict.error !== null ? el('p', { class: 'error' }, verdict.error) : null,
      ),
    );
  }
  if (judged.length === 0) list.append(el('li', {}, 'not judged'));
  return list;
}

function diffView(before: string, after: string): HTMLElement {
  const pre = el('pre', { class: 'diff' });
  for (const part of wordDiff(before, after)) pre.append(part.kind === 'same' ? part.text : el(part.kind === 'added' ? 'ins' : 'del', {}, part.text));
  return el('details', { class: 'diff-box', open: '' }, el('summary', {}, 'changes from the draft it revised'), pre);
}

function drafts(detail: RunDetail): HTMLElement {
  const byId = new Map(detail.attempts.map((attempt) => [attempt.attemptId, attempt]));
  const items = detail.attempts.filter((attempt) => attempt.stage === 'generate' || attempt.stage === 'revise');
  const list = el('div', { class: 'drafts' });
  for (const draft of items) {
    const content = draft.output?.content ?? '';
    const parent = draft.parentAttemptId === null ? undefined : byId.get(draft.parentAttemptId);
    list.append(
      el(
        'article',
        { class: 'draft', 'data-stage': draft.stage, 'data-seq': String(draft.seq) },
        el('h3', {}, `#${draft.seq} ${draft.stage === 'generate' ? 'draft' : 'revision'} by ${draft.model ?? '?'}${draft.backend !== undefined ? ` on ${draft.backend}` : ''} (tier ${draft.tier})${draft.cacheHit ? ', cache hit' : ''}`),
        el(
          'div',
          { class: 'side-by-side' },
          el('div', { class: 'draft-text' }, draft.error !== null ? el('p', { class: 'error' }, draft.error) : foldedText(content), draft.stage === 'revise' && parent?.output ? diffView(parent.output.content, content) : null),
          el('div', { class: 'draft-verdicts' }, verdicts(detail, draft)),
        ),
      ),
    );
  }
  return section('drafts', 'Drafts and verdicts', items.length === 0 ? 'no drafts' : list);
}

function plan(detail: RunDetail): HTMLElement | null {
  const attempt = detail.attempts.find((candidate) => candidate.stage === 'plan');
  const skipped = detail.attempts.find((candidate) => candidate.stage === 'decision' && candidate.name === 'plan_skipped');
  if (attempt === undefined) return skipped ? section('plan', 'Plan', skipped.output?.content ?? 'skipped') : null;
  const data = attempt.output?.data ?? {};
  const checks = Array.isArray(data['checks']) ? (data['checks'] as unknown[]).map(String) : [];
  return section(
    'plan',
    `Plan (${attempt.model ?? ''})`,
    attempt.error !== null ? el('p', { class: 'error' }, attempt.error) : foldedText(typeof data['strategy'] === 'string' ? data['strategy'] : (attempt.output?.content ?? '')),
    checks.length > 0 ? el('ul', { class: 'checks' }, ...checks.map((check) => el('li', {}, check))) : '',
  );
}

function decisions(detail: RunDetail): HTMLElement | null {
  const items = detail.attempts.filter((attempt) => attempt.stage === 'decision');
  if (items.length === 0) return null;
  return section('decisions', 'Decisions', el('ul', { class: 'decisions' }, ...items.map((item) => el('li', { 'data-name': item.name ?? '' }, el('strong', {}, item.name ?? 'decision'), `: ${item.output?.content ?? ''}`))));
}

function chunks(detail: RunDetail): HTMLElement | null {
  const retrieve = detail.attempts.find((attempt) => attempt.stage === 'retrieve');
  if (retrieve === undefined) return null;
  const found = retrieve.output?.data?.['chunks'];
  const list = el('ol', { class: 'chunks' });
  for (const chunk of Array.isArray(found) ? (found as Record<string, unknown>[]) : []) {
    const lines = chunk['startLine'] !== undefined ? `:${String(chunk['startLine'])}-${String(chunk['endLine'])}` : '';
    const score = typeof chunk['score'] === 'number' ? ` score ${chunk['score'].toFixed(3)}` : '';
    list.append(el('li', {}, el('code', {}, `${String(chunk['path'] ?? '?')}${lines}`), score, typeof chunk['text'] === 'string' ? foldedText(chunk['text'], 4) : ''));
  }
  return section('chunks', `Retrieved chunks (index ${retrieve.name ?? '?'})`, retrieve.error !== null ? el('p', { class: 'error' }, retrieve.error) : list);
}

function chain(detail: RunDetail): HTMLElement {
  const status = detail.chain;
  if (status === undefined) return section('chain', 'Hash chain', 'not checked');
  const words = { intact: `intact: ${status.records} records, every hash and seal checks`, unsealed: `chained, ${status.records} records, written without a trace key`, broken: 'BROKEN' };
  return section(
    'chain',
    'Hash chain',
    el('p', { class: `chain ${status.state}` }, words[status.state]),
    status.problems.length > 0 ? el('ul', {}, ...status.problems.map((problem) => el('li', {}, `record ${problem.index}: ${problem.problem}`))) : '',
  );
}

export async function renderRun(root: HTMLElement, runId: string, signal: AbortSignal): Promise<void> {
  clear(root);
  root.append(el('p', {}, 'loading…'));
  const detail = await apiJson<RunDetail>(`/v1/rlm/runs/${encodeURIComponent(runId)}?chain=1`, { signal });
  const { summary } = detail;
  const status = statusOf(summary);
  clear(root);
  root.append(
    el('p', {}, el('a', { href: '#/runs' }, '← runs')),
    el('h1', {}, `Run ${detail.header.runId}`),
    el(
      'dl',
      { class: 'facts' },
      el('dt', {}, 'status'), el('dd', {}, el('span', { class: `badge ${status}` }, status)),
      el('dt', {}, 'model'), el('dd', {}, `${detail.header.requestedModel} (profile ${detail.header.profile})`),
      el('dt', {}, 'started'), el('dd', {}, detail.header.startedAt),
      el('dt', {}, 'confidence'), el('dd', { id: 'confidence' }, summary.status === 'completed' ? `${summary.confidence} (${summary.approved ? 'approved' : 'not approved'})` : '-'),
      el('dt', {}, 'calls'), el('dd', {}, `${summary.attempts} attempts, ${summary.usage.total_tokens} tokens, ${summary.escalated ? 'escalated' : 'not escalated'}, ${(summary.durationMs / 1000).toFixed(1)} s`),
    ),
    section('question', 'Question', foldedText(questionText(detail))),
    timeline(detail),
    ...[plan(detail), chunks(detail)].filter((part): part is HTMLElement => part !== null),
    drafts(detail),
    ...[decisions(detail)].filter((part): part is HTMLElement => part !== null),
    section('answer', 'Answer', summary.answer === null ? 'none' : foldedText(summary.answer.content), summary.issues.length > 0 ? el('ul', { class: 'issues' }, ...summary.issues.map((issue) => el('li', {}, issue))) : ''),
    chain(detail),
  );
}
