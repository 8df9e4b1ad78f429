/**
 * GET /v1/rlm/evals (the stored eval reports, newest first, paged with `limit` and `before`),
 * GET /v1/rlm/evals/{id} (one report: its summary and by-suite tables as cells, the text report
 * itself, and the URLs of its charts) and GET /v1/rlm/evals/{id}/{chart}.svg (a chart as
 * report-svg.ts draws it for report.html). The charts go out as `image/svg+xml` under a CSP that
 * forbids every script and resource and sandboxes the document, so even one opened on its own
 * cannot run anything; the page shows them through <img>, which never runs script either.
 */
import { SUMMARY_COLUMNS, formatShare, renderReportText, summaryRow, type EvalReport } from '../../eval/report.js';
import { accuracyCostChart, reliabilityChart } from '../../eval/report-svg.js';
import type { RequestContext } from '../../server/context.js';
import { sendJson } from '../../server/error-response.js';
import { InvalidRequestError, NotFoundError, RlmError } from '../../utils/errors.js';
import { DamagedReportError, listEvalReports, readEvalReport, type StoredEvalReport } from './eval-reports.js';

const MAX_PAGE = 100;

export const SVG_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'image/svg+xml; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

export async function handleListEvals(context: RequestContext): Promise<void> {
  const { searchParams } = context.url;
  const limitText = searchParams.get('limit') ?? '20';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new InvalidRequestError(`limit must be a whole number from 1 to ${MAX_PAGE}, got "${limitText}".`, 'limit');
  const before = searchParams.get('before') || undefined;
  const dataDir = context.app.pipeline.traces.dataDir;
  const all = await listEvalReports(dataDir);
  const start = before === undefined ? 0 : all.findIndex((entry) => entry.id === before) + 1;
  if (before !== undefined && start === 0) throw new InvalidRequestError(`before must be the id of a stored eval report, got "${before}".`, 'before');
  const page = all.slice(start, start + limit);
  const data = await Promise.all(
    page.map(async (entry) => {
      try {
        const stored = await readEvalReport(dataDir, entry.id);
        return stored === undefined ? { ...listed(entry), error: 'the report is gone' } : { ...listed(entry), ...overview(stored) };
      } catch (error) {
        return { ...listed(entry), error: (error as Error).message };
      }
    }),
  );
  const next = start + limit < all.length ? (page.at(-1)?.id ?? null) : null;
  sendJson(context.response, 200, { object: 'list', data, next, total: all.length });
}

function listed(entry: { id: string; writtenAt: string }): { id: string; writtenAt: string } {
  return { id: entry.id, writtenAt: entry.writtenAt };
}

function overview(stored: StoredEvalReport): Record<string, unknown> {
  return {
    tasks: stored.tasks,
    seed: stored.seed,
    suites: stored.report.suites,
    targets: stored.report.targets.map((target) => ({ kind: target.kind, name: target.name, tasks: target.tasks, accuracy: target.accuracy.estimate })),
  };
}

/** /v1/rlm/evals/{id} or /v1/rlm/evals/{id}/{chart}.svg. */
export async function handleGetEval(context: RequestContext): Promise<void> {
  const [id = '', chart, ...extra] = (context.params.rest ?? '').split('/');
  if (extra.length > 0) throw new NotFoundError(`No eval report at '${context.params.rest ?? ''}'.`, 'id', 'eval_not_found');
  let stored: StoredEvalReport | undefined;
  try {
    stored = await readEvalReport(context.app.pipeline.traces.dataDir, id);
  } catch (error) {
    if (error instanceof DamagedReportError) throw new RlmError(error.message, { status: 500, type: 'server_error', code: 'eval_report_damaged' });
    throw error;
  }
  if (stored === undefined) throw new NotFoundError(`No eval report with id '${id}'. Reports are written by \`rlm eval\`.`, 'id', 'eval_not_found');
  if (chart === undefined) {
    sendJson(context.response, 200, detail(stored));
    return;
  }
  const svg = chartSvg(stored.report, chart);
  if (svg === undefined) throw new NotFoundError(`Eval report ${id} has no chart '${chart}'.`, 'chart', 'eval_chart_not_found');
  const bytes = Buffer.from(svg, 'utf8');
  context.response.writeHead(200, { ...SVG_HEADERS, 'content-length': bytes.length });
  context.response.end(context.request.method === 'HEAD' ? undefined : bytes);
}

/** The charts of a report: accuracy against cost, then one reliability diagram per target with confidences. */
export function chartList(id: string, report: EvalReport): { name: string; title: string; url: string; width: number; height: number }[] {
  const charts = [{ name: 'accuracy-cost.svg', title: 'Accuracy against model calls per request', url: '', width: 640, height: 360 }];
  report.targets.forEach((target, index) => {
    if (target.confidence.count > 0) charts.push({ name: `reliability-${index}.svg`, title: `Reliability of the confidence: ${target.name}`, url: '', width: 340, height: 340 });
  });
  return charts.map((chart) => ({ ...chart, url: `/v1/rlm/evals/${id}/${chart.name}` }));
}

function chartSvg(report: EvalReport, name: string): string | undefined {
  if (name === 'accuracy-cost.svg') return accuracyCostChart(report.targets);
  const match = /^reliability-(0|[1-9][0-9]{0,3})\.svg$/.exec(name);
  const target = match === null ? undefined : report.targets[Number(match[1])];
  return target === undefined || target.confidence.count === 0 ? undefined : reliabilityChart(target);
}

function detail(stored: StoredEvalReport): Record<string, unknown> {
  const { report } = stored;
  return {
    id: stored.id,
    writtenAt: stored.writtenAt,
    taskHash: stored.taskHash,
    seed: stored.seed,
    tasks: stored.tasks,
    suites: report.suites,
    summary: { columns: [...SUMMARY_COLUMNS], rows: report.targets.map(summaryRow) },
    bySuite: {
      columns: ['target', ...report.suites],
      rows: report.targets.map((target) => [target.name, ...report.suites.map((suite) => formatShare(target.suites.find((entry) => entry.suite === suite)?.accuracy.estimate ?? null))]),
    },
    charts: chartList(stored.id, report),
    text: renderReportText(report),
    report,
  };
}
