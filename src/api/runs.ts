/** GET /v1/rlm/runs (recent runs, newest first by start time, paged) and GET /v1/rlm/runs/{id} (one run with its attempts). */
import { summarizeRun } from '../orchestrator/loop/run-summary.js';
import type { RequestContext } from '../server/context.js';
import { sendJson } from '../server/error-response.js';
import { InvalidRequestError, NotFoundError } from '../utils/errors.js';

const MAX_PAGE = 100;

export async function handleListRuns(context: RequestContext): Promise<void> {
  const { searchParams } = context.url;
  const limitText = searchParams.get('limit') ?? '20';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InvalidRequestError(`limit must be a whole number from 1 to ${MAX_PAGE}, got "${limitText}".`, 'limit');
  }
  const before = searchParams.get('before') ?? undefined;
  const page = await context.app.pipeline.traces.list({ limit, ...(before ? { before } : {}) });
  sendJson(context.response, 200, {
    object: 'list',
    data: page.runs.map((trace) => ({
      ...summarizeRun(trace),
      // An interrupted run the ledger records as finished: its last records were cut off afterwards.
      ...(trace.truncated !== undefined ? { truncated: trace.truncated } : {}),
      profile: trace.header.profile,
      model: trace.header.requestedModel,
      startedAt: trace.header.startedAt,
    })),
    next: page.next,
  });
}

export async function handleGetRun(context: RequestContext): Promise<void> {
  const runId = context.params.rest ?? '';
  const trace = await context.app.pipeline.traces.get(runId);
  if (trace === undefined) throw new NotFoundError(`No run with id '${runId}'.`, 'id', 'run_not_found');
  const truncated = trace.truncated !== undefined ? { truncated: trace.truncated } : {};
  sendJson(context.response, 200, { summary: summarizeRun(trace), ...truncated, header: trace.header, attempts: trace.attempts });
}
