/**
 * The eval reports `rlm eval` left under the data directory, `<data>/eval/<id>/report.json`, for
 * the web page: listed newest first by when the report was written, a page at a time (one stat
 * per eval directory, and only the page's reports read), and each read back only when its shape
 * is that of a report, so that a damaged or foreign file is named as such and never reaches the
 * charts. Reports written elsewhere with `--out` are not here.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CalibrationBin, Proportion } from '../../eval/metrics.js';
import type { EvalReport, TargetReport } from '../../eval/report.js';

/** An eval's directory name: the 12 hex digits `rlm eval` derives from its tasks and targets. */
export const EVAL_ID = /^[0-9a-f]{12}$/;

export interface StoredEvalEntry {
  id: string;
  /** When report.json was last written (its mtime), ISO 8601. */
  writtenAt: string;
  mtimeMs: number;
}

export interface StoredEvalReport extends StoredEvalEntry {
  taskHash: string;
  seed: number | null;
  tasks: number;
  report: EvalReport;
}

export function evalDirectory(dataDir: string): string {
  return join(dataDir, 'eval');
}

/** Every eval directory holding a report.json, newest first (a tie goes by id). */
export async function listEvalReports(dataDir: string): Promise<StoredEvalEntry[]> {
  const names = await readdir(evalDirectory(dataDir)).catch(() => [] as string[]);
  const entries: StoredEvalEntry[] = [];
  for (const id of names) {
    if (!EVAL_ID.test(id)) continue;
    const stats = await stat(join(evalDirectory(dataDir), id, 'report.json')).catch(() => undefined);
    if (stats === undefined || !stats.isFile()) continue;
    entries.push({ id, writtenAt: new Date(stats.mtimeMs).toISOString(), mtimeMs: stats.mtimeMs });
  }
  return entries.sort((left, right) => right.mtimeMs - left.mtimeMs || (left.id < right.id ? 1 : -1));
}

/** The report, undefined when there is none; throws saying what is wrong with a file that is not a report. */
export async function readEvalReport(dataDir: string, id: string): Promise<StoredEvalReport | undefined> {
  if (!EVAL_ID.test(id)) return undefined;
  const path = join(evalDirectory(dataDir), id, 'report.json');
  let text: string;
  let mtimeMs: number;
  try {
    [text, mtimeMs] = await Promise.all([readFile(path, 'utf8'), stat(path).then((stats) => stats.mtimeMs)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DamagedReportError(`${path} is not JSON (${(error as Error).message}).`);
  }
  const problem = reportFileProblem(value);
  if (problem !== undefined) throw new DamagedReportError(`${path} is not a report written by rlm eval: ${problem}.`);
  const file = value as { taskHash: string; seed?: number; tasks: number; report: EvalReport };
  return { id, writtenAt: new Date(mtimeMs).toISOString(), mtimeMs, taskHash: file.taskHash, seed: typeof file.seed === 'number' ? file.seed : null, tasks: file.tasks, report: file.report };
}

export class DamagedReportError extends Error {}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;
const isNumberOrNull = (value: unknown): boolean => value === null || (typeof value === 'number' && Number.isFinite(value));
const isShareOrNull = (value: unknown): boolean => value === null || (typeof value === 'number' && value >= 0 && value <= 1);

function proportionProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'not an object';
  const proportion = value as Partial<Proportion>;
  if (!isCount(proportion.successes) || !isCount(proportion.trials)) return 'successes and trials must be counts';
  if (![proportion.estimate, proportion.low, proportion.high].every(isShareOrNull)) return 'estimate, low and high must be shares or null';
  return undefined;
}

function binProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'not an object';
  const bin = value as Partial<CalibrationBin>;
  if (!isShareOrNull(bin.low) || !isShareOrNull(bin.high) || bin.low === null || bin.high === null || !isCount(bin.count)) return 'low, high and count must be numbers';
  if (!isShareOrNull(bin.meanProbability) || !isShareOrNull(bin.accuracy)) return 'meanProbability and accuracy must be shares or null';
  if (bin.count !== 0 && (bin.meanProbability === null || bin.accuracy === null)) return 'a bin with answers needs its meanProbability and accuracy';
  return undefined;
}

function targetProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'not an object';
  const target = value as Partial<TargetReport>;
  if (target.kind !== 'model' && target.kind !== 'profile') return 'kind must be "model" or "profile"';
  if (typeof target.name !== 'string') return 'name must be a string';
  if (!isCount(target.tasks) || !isCount(target.failed)) return 'tasks and failed must be counts';
  for (const key of ['accuracy', 'approved', 'escalated', 'falseApproval', 'falseRejection'] as const) {
    const problem = proportionProblem(target[key]);
    if (problem !== undefined) return `${key}: ${problem}`;
  }
  for (const key of ['callsPerRequest', 'tokensPerRequest', 'wallMsP50', 'wallMsP95'] as const) if (!isNumberOrNull(target[key])) return `${key} must be a number or null`;
  const confidence = target.confidence;
  if (!isRecord(confidence) || !isCount(confidence.count) || !Array.isArray(confidence.bins)) return 'confidence must hold a count and bins';
  if (![confidence.brier, confidence.ece, confidence.auroc].every(isNumberOrNull)) return 'confidence: brier, ece and auroc must be numbers or null';
  for (const [index, bin] of confidence.bins.entries()) {
    const problem = binProblem(bin);
    if (problem !== undefined) return `confidence.bins[${index}]: ${problem}`;
  }
  if (!Array.isArray(target.suites)) return 'suites must be a list';
  for (const [index, entry] of (target.suites as unknown[]).entries()) {
    if (!isRecord(entry) || typeof entry['suite'] !== 'string') return `suites[${index}].suite must be a string`;
    const problem = proportionProblem(entry['accuracy']);
    if (problem !== undefined) return `suites[${index}].accuracy: ${problem}`;
  }
  return undefined;
}

/** What makes `value` something other than report.json as `rlm eval` writes it, or undefined. */
export function reportFileProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'the file is not a JSON object';
  if (typeof value['taskHash'] !== 'string') return 'taskHash must be a string';
  if (!isCount(value['tasks'])) return 'tasks must be a count';
  if (value['seed'] !== undefined && !Number.isSafeInteger(value['seed'])) return 'seed must be a whole number';
  const report = value['report'];
  if (!isRecord(report) || !Array.isArray(report['targets']) || !Array.isArray(report['suites'])) return 'report must hold targets and suites';
  if (!(report['suites'] as unknown[]).every((suite) => typeof suite === 'string')) return 'report.suites must be strings';
  for (const [index, target] of (report['targets'] as unknown[]).entries()) {
    const problem = targetProblem(target);
    if (problem !== undefined) return `report.targets[${index}]: ${problem}`;
  }
  return undefined;
}
