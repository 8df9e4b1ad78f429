/**
 * The eval's report, from its per-task results (plain data, one per task and target, as the
 * runner appends them): per model and per profile, accuracy with its Wilson 95 % interval, the
 * share of requests escalated, model calls and tokens per request, wall time p50 and p95, the
 * verifier's false-approval and false-rejection rates, and the confidence's Brier score, ECE over
 * 10 bins and AUROC (metrics.ts). Rendered here as aligned plain-text tables, and as HTML by
 * report-html.ts.
 *
 * The verifier's rates count verify attempts, not answers: each attempt's verdict is judged
 * against the task's ground truth for the draft it judged. False approval = approved among the
 * attempts whose draft was wrong; false rejection = rejected among those whose draft was right.
 * A failed task (the run errored) counts as wrong; its confidence, if any, still counts.
 */
import { accuracy, auroc, brierScore, calibrationBins, expectedCalibrationError, type CalibrationBin, type Prediction, type Proportion } from './metrics.js';

export type TargetKind = 'model' | 'profile';

/** One verify attempt's verdict, and whether the draft it judged was in fact right. */
export interface VerdictJudgement {
  approved: boolean;
  draftCorrect: boolean;
}

export interface TaskResult {
  taskId: string;
  suite: string;
  targetKind: TargetKind;
  /** A model name for single-shot, a profile name for the pipeline. */
  target: string;
  correct: boolean;
  /** The confidence the answer came with; null for single-shot. */
  confidence: number | null;
  /** Whether the pipeline approved the answer; null for single-shot. */
  approved: boolean | null;
  escalated: boolean;
  modelCalls: number;
  tokens: number;
  wallMs: number;
  verdicts: readonly VerdictJudgement[];
  /** Why the run failed, when it did. */
  error?: string | null;
}

export interface ConfidenceQuality {
  /** Results that had a confidence. */
  count: number;
  brier: number | null;
  ece: number | null;
  auroc: number | null;
  bins: CalibrationBin[];
}

export interface TargetReport {
  kind: TargetKind;
  name: string;
  tasks: number;
  failed: number;
  accuracy: Proportion;
  /** Among results with an approval verdict (profiles); no trials for single-shot. */
  approved: Proportion;
  escalated: Proportion;
  callsPerRequest: number | null;
  tokensPerRequest: number | null;
  /** Nearest-rank percentiles of wall time, ms: values that were measured, never interpolated. */
  wallMsP50: number | null;
  wallMsP95: number | null;
  falseApproval: Proportion;
  falseRejection: Proportion;
  confidence: ConfidenceQuality;
  suites: { suite: string; accuracy: Proportion }[];
}

export interface EvalReport {
  /** Models first, then profiles, each in the order their first result came. */
  targets: TargetReport[];
  /** In the order their first result came. */
  suites: string[];
}

export const CALIBRATION_BINS = 10;

export function buildReport(results: readonly TaskResult[]): EvalReport {
  const groups = new Map<string, TaskResult[]>();
  const suites: string[] = [];
  for (const result of results) {
    const key = `${result.targetKind}\u0000${result.target}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [result]);
    else group.push(result);
    if (!suites.includes(result.suite)) suites.push(result.suite);
  }
  const targets = [...groups.values()].map((group) => targetReport(group, suites));
  const order = (kind: TargetKind) => (kind === 'model' ? 0 : 1);
  return { targets: targets.sort((left, right) => order(left.kind) - order(right.kind)), suites };
}

function targetReport(results: readonly TaskResult[], suites: readonly string[]): TargetReport {
  const first = results[0] as TaskResult;
  const verdicts = results.flatMap((result) => result.verdicts);
  const onWrong = verdicts.filter((verdict) => !verdict.draftCorrect);
  const onRight = verdicts.filter((verdict) => verdict.draftCorrect);
  const predictions: Prediction[] = results.filter((result) => result.confidence !== null).map((result) => ({ probability: result.confidence as number, correct: result.correct }));
  const wall = results.map((result) => result.wallMs);
  return {
    kind: first.targetKind,
    name: first.target,
    tasks: results.length,
    failed: results.filter((result) => result.error !== undefined && result.error !== null).length,
    accuracy: accuracy(results.map((result) => result.correct)),
    approved: accuracy(results.filter((result) => result.approved !== null).map((result) => result.approved as boolean)),
    escalated: accuracy(results.map((result) => result.escalated)),
    callsPerRequest: mean(results.map((result) => result.modelCalls)),
    tokensPerRequest: mean(results.map((result) => result.tokens)),
    wallMsP50: percentile(wall, 50),
    wallMsP95: percentile(wall, 95),
    falseApproval: accuracy(onWrong.map((verdict) => verdict.approved)),
    falseRejection: accuracy(onRight.map((verdict) => !verdict.approved)),
    confidence: {
      count: predictions.length,
      brier: brierScore(predictions),
      ece: expectedCalibrationError(predictions, CALIBRATION_BINS),
      auroc: auroc(predictions),
      bins: calibrationBins(predictions, CALIBRATION_BINS),
    },
    suites: suites.filter((suite) => results.some((result) => result.suite === suite)).map((suite) => ({ suite, accuracy: accuracy(results.filter((result) => result.suite === suite).map((result) => result.correct)) })),
  };
}

/** The nearest-rank percentile: the smallest value with at least p % of the values at or below it. Null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile: p must be in (0, 100], got ${p}.`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1] as number;
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

// ---- Plain text ----

const DASH = '—';

export function formatShare(value: number | null): string {
  return value === null ? DASH : `${(value * 100).toFixed(1)} %`;
}

/** "72.0 % [61.3, 80.7]": the estimate and its interval, in percent. */
export function formatProportion(proportion: Proportion): string {
  if (proportion.estimate === null) return DASH;
  return `${formatShare(proportion.estimate)} [${((proportion.low as number) * 100).toFixed(1)}, ${((proportion.high as number) * 100).toFixed(1)}]`;
}

/** "12.5 % (3/24)": a rate with what it counts. */
export function formatRate(proportion: Proportion): string {
  return proportion.estimate === null ? DASH : `${formatShare(proportion.estimate)} (${proportion.successes}/${proportion.trials})`;
}

export function formatNumber(value: number | null, places: number): string {
  return value === null ? DASH : value.toFixed(places);
}

/** The report's rows as cells, shared by the text and HTML tables. */
export const SUMMARY_COLUMNS = ['target', 'kind', 'tasks', 'accuracy [95 % CI]', 'escalated', 'calls/req', 'tokens/req', 'p50 ms', 'p95 ms', 'false approval', 'false rejection', 'Brier', 'ECE', 'AUROC'] as const;

export function summaryRow(target: TargetReport): string[] {
  return [
    target.name,
    target.kind,
    target.failed === 0 ? String(target.tasks) : `${target.tasks} (${target.failed} failed)`,
    formatProportion(target.accuracy),
    formatShare(target.escalated.estimate),
    formatNumber(target.callsPerRequest, 2),
    formatNumber(target.tokensPerRequest, 0),
    formatNumber(target.wallMsP50, 0),
    formatNumber(target.wallMsP95, 0),
    formatRate(target.falseApproval),
    formatRate(target.falseRejection),
    formatNumber(target.confidence.brier, 3),
    formatNumber(target.confidence.ece, 3),
    formatNumber(target.confidence.auroc, 3),
  ];
}

/** The summary table, then accuracy per suite: columns aligned, text to the left, numbers to the right. */
export function renderReportText(report: EvalReport): string {
  if (report.targets.length === 0) return 'No results.\n';
  const summary = alignTable([...SUMMARY_COLUMNS], report.targets.map(summaryRow), [0, 1]);
  const bySuite = alignTable(
    ['target', ...report.suites],
    report.targets.map((target) => [target.name, ...report.suites.map((suite) => formatShare(target.suites.find((entry) => entry.suite === suite)?.accuracy.estimate ?? null))]),
    [0],
  );
  return `${summary}\nAccuracy by suite\n${bySuite}`;
}

/** Columns padded to their widest cell (counted in code points); `leftColumns` are left-aligned. */
export function alignTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns: readonly number[]): string {
  const width = (text: string) => Array.from(text).length;
  const widths = header.map((title, column) => Math.max(width(title), ...rows.map((row) => width(row[column] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const padding = ' '.repeat((widths[column] as number) - width(cell));
        return leftColumns.includes(column) ? cell + padding : padding + cell;
      })
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((size) => '-'.repeat(size))), ...rows.map(line)].join('\n') + '\n';
}
