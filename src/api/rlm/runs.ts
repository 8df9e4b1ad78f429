/**
 * GET /v1/rlm/runs (recent runs, newest first by start time, paged, filtered by profile, status
 * and text) and GET /v1/rlm/runs/{id} (one run with its attempts and its hash-chain status).
 */
import { summarizeRun } from '../../orchestrator/loop/run-summary.js';
import type { StoredRun, TraceStore } from '../../orchestrator/traces/trace-store.js';
import type { RequestContext } from '../../server/context.js';
import { sendJson } from '../../server/error-response.js';
import { InvalidRequestError, NotFoundError } from '../../utils/errors.js';
import { runChainStatus } from './run-chain.js';
import { questionOf, runItem } from './run-item.js';

const MAX_PAGE = 100;
/** A filtered page reads at most this many runs; past it, it ends early with a cursor to go on from. */
const MAX_SCANNED = 500;
const STATUSES = ['approved', 'unapproved', 'failed', 'aborted', 'running', 'interrupted'] as const;
type StatusFilter = (typeof STATUSES)[number];

interface RunFilter {
  profile?: string;
  status?: StatusFilter;
  /** Lowercase text to find in the run id, the question or the answer. */
  text?: string;
}

export async function handleListRuns(context: RequestContext): Promise<void> {
  const { searchParams } = context.url;
  const limitText = searchParams.get('limit') ?? '20';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InvalidRequestError(`limit must be a whole number from 1 to ${MAX_PAGE}, got "${limitText}".`, 'limit');
  }
  const before = searchParams.get('before') || undefined;
  const filter = readFilter(searchParams);
  const page = await listFiltered(context.app.pipeline.traces, { limit, before, filter });
  sendJson(context.response, 200, { object: 'list', data: page.runs.map(runItem), next: page.next, ...(page.scanned !== undefined ? { scanned: page.scanned } : {}) });
}

function readFilter(searchParams: URLSearchParams): RunFilter {
  const filter: RunFilter = {};
  const profile = searchParams.get('profile');
  if (profile) filter.profile = profile;
  const status = searchParams.get('status');
  if (status) {
    if (!(STATUSES as readonly string[]).includes(status)) throw new InvalidRequestError(`status must be one of ${STATUSES.join(', ')}, got "${status}".`, 'status');
    filter.status = status as StatusFilter;
  }
  const text = searchParams.get('q')?.trim().toLowerCase();
  if (text) filter.text = text;
  return filter;
}

function matches(trace: StoredRun, filter: RunFilter): boolean {
  if (filter.profile !== undefined && trace.header.profile !== filter.profile) return false;
  if (filter.status === undefined && filter.text === undefined) return true;
  const summary = summarizeRun(trace);
  if (filter.status !== undefined) {
    const status = summary.status === 'completed' ? (summary.approved ? 'approved' : 'unapproved') : summary.status;
    if (status !== filter.status) return false;
  }
  if (filter.text !== undefined) {
    const haystack = `${trace.header.runId}\n${questionOf(trace)}\n${summary.answer?.content ?? ''}`.toLowerCase();
    if (!haystack.includes(filter.text)) return false;
  }
  return true;
}

/**
 * A page of the runs that pass the filter, walking the store's pages newest first. Without a
 * filter that is one store page; with one, the walk stops after MAX_SCANNED runs, and `next` (the
 * last run read) lets the client go on, so a rare match among 10,000 runs never costs one request
 * all of them.
 */
async function listFiltered(
  traces: TraceStore,
  options: { limit: number; before: string | undefined; filter: RunFilter },
): Promise<{ runs: StoredRun[]; next: string | null; scanned?: number }> {
  const { limit, filter } = options;
  const filtered = filter.profile !== undefined || filter.status !== undefined || filter.text !== undefined;
  if (!filtered) return traces.list({ limit, ...(options.before ? { before: options.before } : {}) });
  const runs: StoredRun[] = [];
  let cursor = options.before;
  let scanned = 0;
  for (;;) {
    const page = await traces.list({ limit: Math.min(MAX_PAGE, MAX_SCANNED - scanned), ...(cursor ? { before: cursor } : {}) });
    for (const trace of page.runs) {
      scanned++;
      if (matches(trace, filter)) runs.push(trace);
      cursor = trace.header.runId;
      if (runs.length === limit) return { runs, next: page.next === null && trace === page.runs.at(-1) ? null : cursor, scanned };
    }
    if (page.next === null) return { runs, next: null, scanned };
    if (scanned >= MAX_SCANNED) return { runs, next: cursor ?? null, scanned };
  }
}

export async function handleGetRun(context: RequestContext): Promise<void> {
  const runId = context.params.rest ?? '';
  const trace = await context.app.pipeline.traces.get(runId);
  if (trace === undefined) throw new NotFoundError(`No run with id '${runId}'.`, 'id', 'run_not_found');
  const truncated = trace.truncated !== undefined ? { truncated: trace.truncated } : {};
  const chain = context.url.searchParams.get('chain') === '1' ? { chain: await runChainStatus(context.app.pipeline.traces.dataDir, trace) } : {};
  sendJson(context.response, 200, { summary: summarizeRun(trace), ...truncated, ...chain, header: trace.header, attempts: trace.attempts });
}
