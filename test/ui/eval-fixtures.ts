/** Eval reports and calibrations on disk, as `rlm eval` writes them, for the web page's tests. */
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fitCalibration } from '../../src/eval/calibration-fit.js';
import { writeCalibration } from '../../src/eval/calibration-store.js';
import { buildReport, type TaskResult } from '../../src/eval/report.js';

/** Results for a model single-shot and a profile's pipeline, `count` tasks each over two suites. */
export function taskResults(options: { model?: string; profile?: string; count?: number } = {}): TaskResult[] {
  const results: TaskResult[] = [];
  const count = options.count ?? 20;
  for (let index = 0; index < count; index++) {
    const suite = index % 2 === 0 ? 'arithmetic' : 'facts';
    const base = { taskId: `t${index}`, suite, tokens: 100 + index, wallMs: 200 + 10 * index, error: null };
    results.push({ ...base, targetKind: 'model', target: options.model ?? 'llama3.2', correct: index % 3 !== 0, confidence: null, approved: null, escalated: false, modelCalls: 1, verdicts: [] });
    const correct = index % 4 !== 0;
    results.push({
      ...base,
      targetKind: 'profile',
      target: options.profile ?? 'rlm',
      correct,
      confidence: correct ? 0.6 + (index % 4) / 10 : 0.3,
      approved: correct,
      escalated: index % 5 === 0,
      modelCalls: 3 + (index % 3),
      verdicts: [{ approved: correct, draftCorrect: correct }],
    });
  }
  return results;
}

/** Writes `<data>/eval/<id>/report.json` as `rlm eval` does, dated `writtenAt` (ms). */
export async function writeEvalReport(dataDir: string, id: string, results: readonly TaskResult[], writtenAt: number): Promise<string> {
  const directory = join(dataDir, 'eval', id);
  await mkdir(directory, { recursive: true });
  const path = join(directory, 'report.json');
  await writeFile(path, `${JSON.stringify({ evalId: id, taskHash: `hash-${id}`, seed: 7, tasks: results.length / 2, report: buildReport(results) }, null, 2)}\n`);
  await utimes(path, writtenAt / 1000, writtenAt / 1000);
  return path;
}

export async function writeProfileCalibration(dataDir: string, profile: string): Promise<void> {
  const points = Array.from({ length: 120 }, (_, index) => ({ score: (index % 10) / 10, correct: index % 10 >= 4 }));
  await writeCalibration(dataDir, {
    profile,
    fittedAt: '2026-12-01T10:00:00.000Z',
    answers: points.length,
    taskHash: 'abcdef0123456789',
    models: ['qwen2.5:0.5b', 'llama3.2'],
    accuracy: 0.6,
    map: fitCalibration(points, { minCount: 20 }),
  });
}
