/**
 * Runs an eval: every task on every target it applies to, `concurrency` at a time, skipping what
 * the results file already holds (resuming), appending each result as it finishes. The targets'
 * answers come from `ask` (the CLI wires it to Ollama for a model, to the pipeline for a profile),
 * so this file knows nothing of servers or models. Stopping (the signal) lets running tasks end
 * and starts no new one; their results are kept, the rest are asked next time.
 */
import type { TaskResult, TargetKind } from './report.js';
import { resultKey, type ResultsFile } from './results-file.js';
import type { EvalTask } from './task.js';

export interface EvalTarget {
  kind: TargetKind;
  name: string;
  /** The retrieval index a profile grounds its answers in, or null (tasks that need one are skipped elsewhere). */
  index: string | null;
}

export interface EvalJob {
  target: EvalTarget;
  task: EvalTask;
}

/** Which targets a task runs on: a task that needs an index runs only on profiles with that index. */
export function evalJobs(tasks: readonly EvalTask[], targets: readonly EvalTarget[]): { jobs: EvalJob[]; skipped: EvalJob[] } {
  const jobs: EvalJob[] = [];
  const skipped: EvalJob[] = [];
  for (const target of targets) {
    for (const task of tasks) {
      const applies = task.index === undefined || (target.kind === 'profile' && target.index === task.index);
      (applies ? jobs : skipped).push({ target, task });
    }
  }
  return { jobs, skipped };
}

export async function runEval(options: {
  jobs: readonly EvalJob[];
  results: ResultsFile;
  concurrency: number;
  signal: AbortSignal;
  ask: (job: EvalJob, signal: AbortSignal) => Promise<TaskResult>;
  onResult?: (done: number, correct: number) => void;
}): Promise<{ results: TaskResult[]; asked: number; stopped: boolean }> {
  const { jobs, results } = options;
  const byKey = (job: EvalJob): string => resultKey({ targetKind: job.target.kind, target: job.target.name, suite: job.task.suite, taskId: job.task.id });
  const collected: TaskResult[] = [];
  let correct = 0;
  const pending: EvalJob[] = [];
  for (const job of jobs) {
    const previous = results.done.get(byKey(job));
    if (previous === undefined) pending.push(job);
    else {
      collected.push(previous);
      if (previous.correct) correct += 1;
    }
  }
  options.onResult?.(collected.length, correct);
  let next = 0;
  let asked = 0;
  const worker = async (): Promise<void> => {
    while (!options.signal.aborted && next < pending.length) {
      const job = pending[next++] as EvalJob;
      const result = await options.ask(job, options.signal);
      // A task cut off by the stop is not a result: it is asked again on resume.
      if (options.signal.aborted && result.error !== undefined && result.error !== null) break;
      await results.append(result);
      collected.push(result);
      asked += 1;
      if (result.correct) correct += 1;
      options.onResult?.(collected.length, correct);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, pending.length)) }, worker));
  // Results in job order, whatever order they finished in, so reports are stable.
  const order = new Map(jobs.map((job, index) => [byKey(job), index]));
  collected.sort((left, right) => (order.get(resultKey(left)) ?? 0) - (order.get(resultKey(right)) ?? 0));
  return { results: collected, asked, stopped: options.signal.aborted && collected.length < jobs.length };
}
