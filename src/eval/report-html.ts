/**
 * The eval report as one self-contained HTML page: inline CSS, inline SVG charts (report-svg.ts),
 * no script, no external resource, so it opens from disk, in a mail attachment or offline alike.
 * Every text from the results (target, suite and task names, the title) is escaped.
 */
import { formatShare, SUMMARY_COLUMNS, summaryRow, type EvalReport } from './report.js';
import { accuracyCostChart, escapeHtml, reliabilityChart } from './report-svg.js';

export interface HtmlReportOptions {
  title?: string;
  /** A line under the title: when, which suites, which seed; the caller says, since this is pure. */
  subtitle?: string;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d232a; margin: 2rem auto; max-width: 1180px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
p.subtitle { color: #5a6570; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid #dde2e7; white-space: nowrap; }
th { text-align: left; background: #f3f5f7; font-weight: 600; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
figure { margin: 0; }
figcaption { color: #5a6570; font-size: 0.85rem; max-width: 640px; }
svg { background: #fff; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
`;

const TEXT_COLUMNS = new Set([0, 1]);

function table(header: readonly string[], rows: readonly (readonly string[])[], textColumns: ReadonlySet<number>): string {
  const head = `<tr>${header.map((title) => `<th scope="col">${escapeHtml(title)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell, column) => (textColumns.has(column) ? `<td>${escapeHtml(cell)}</td>` : `<td class="number">${escapeHtml(cell)}</td>`)).join('')}</tr>`).join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

export function renderReportHtml(report: EvalReport, options: HtmlReportOptions = {}): string {
  const title = options.title ?? 'rlm eval report';
  const summary = table([...SUMMARY_COLUMNS], report.targets.map(summaryRow), TEXT_COLUMNS);
  const bySuite = table(
    ['target', ...report.suites],
    report.targets.map((target) => [target.name, ...report.suites.map((suite) => formatShare(target.suites.find((entry) => entry.suite === suite)?.accuracy.estimate ?? null))]),
    new Set([0]),
  );
  const calibrated = report.targets.filter((target) => target.confidence.count > 0);
  const reliability =
    calibrated.length === 0
      ? '<p>No result carried a confidence, so there is no reliability diagram.</p>'
      : `<div class="charts">${calibrated
          .map((target) => `<figure>${reliabilityChart(target)}<figcaption>${escapeHtml(`${target.name}: ${target.confidence.count} answers with a confidence, in ${target.confidence.bins.length} bins.`)}</figcaption></figure>`)
          .join('\n')}</div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${options.subtitle === undefined ? '' : `<p class="subtitle">${escapeHtml(options.subtitle)}</p>\n`}<h2>Summary</h2>
${report.targets.length === 0 ? '<p>No results.</p>' : summary}
<h2>Accuracy by suite</h2>
${bySuite}
<h2>Accuracy against cost</h2>
<figure>${accuracyCostChart(report.targets)}<figcaption>Each model asked once (circles) and each profile's pipeline (squares): the share of right answers, with its 95 % Wilson interval as the bar, against the model calls a request took on average.</figcaption></figure>
<h2>Reliability of the confidence</h2>
${reliability}
<h2>What the columns mean</h2>
<dl>
<dt>accuracy</dt><dd>The share of tasks answered right, with its 95 % Wilson interval.</dd>
<dt>escalated</dt><dd>The share of requests that went to a larger model.</dd>
<dt>calls/req, tokens/req</dt><dd>Model calls and tokens (prompt and completion) per request, on average.</dd>
<dt>p50 ms, p95 ms</dt><dd>Wall time per request: the median and the 95th percentile (nearest rank).</dd>
<dt>false approval</dt><dd>Among verify attempts whose draft was wrong, the share the verifier approved.</dd>
<dt>false rejection</dt><dd>Among verify attempts whose draft was right, the share the verifier rejected.</dd>
<dt>Brier</dt><dd>The mean squared gap between confidence and outcome (0 is perfect; always saying the base rate b scores b(1 − b)).</dd>
<dt>ECE</dt><dd>Expected calibration error over 10 equal-width bins: how far confidence is from the share right, weighted by bin size.</dd>
<dt>AUROC</dt><dd>The chance that a right answer has a higher confidence than a wrong one (0.5 is chance).</dd>
</dl>
</body>
</html>
`;
}
