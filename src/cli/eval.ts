/**
 * `rlm eval [SUITE|FILE.jsonl ...] [--profiles a,b] [--models m1,m2 | --installed] [--limit N]
 * [--concurrency N] [--seed S] [--out DIR] [--json] [--calibrate]`: asks every task of the chosen
 * suites (all built-in ones by default) single-shot of each chosen model and through each chosen
 * profile, in this process as `rlm ask` does, and reports how often each was right, what it cost
 * and how good the pipeline's confidence is. Results are appended under the data directory as each
 * task ends, so running the same command again resumes; the report goes to stdout (a table, or
 * JSON) and, with the HTML page, to the eval's directory or --out. --calibrate fits each profile's
 * confidence calibration from the results and stores it for the server.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseChatRequest } from '../api/chat/chat-request.js';
import { fitCalibration } from '../eval/calibration-fit.js';
import { writeCalibration } from '../eval/calibration-store.js';
import { judgePipelineRun } from '../eval/judge-run.js';
import { createProgress } from '../eval/progress.js';
import { buildReport, renderReportText, type TaskResult } from '../eval/report.js';
import { renderReportHtml } from '../eval/report-html.js';
import { openResultsFile } from '../eval/results-file.js';
import { evalJobs, runEval, type EvalJob, type EvalTarget } from '../eval/runner.js';
import { scoreAnswer } from '../eval/scorers.js';
import { DEFAULT_SEED, findSuite, suiteNames } from '../eval/suites/index.js';
import { readTaskFile } from '../eval/task-file.js';
import type { EvalTask } from '../eval/task.js';
import type { AppDeps } from '../server/context.js';
import type { OllamaFormat } from '../types/ollama.js';
import type { Profile } from '../types/profile.js';
import { hashJson } from '../utils/hash.js';
import { makePrivateDirectory } from '../utils/private-files.js';
import type { CliIo } from './io.js';
import { openApp } from './open-app.js';
import { UsageError } from './usage-error.js';

export const EVAL_FLAGS: ReadonlySet<string> = new Set(['--profiles', '--models', '--installed', '--limit', '--concurrency', '--seed', '--out', '--calibrate']);

/** No calibrated probability rests on fewer answers than this. */
const CALIBRATION_MIN_COUNT = 20;
/** Fewer answers than this per profile are too few to fit a calibration worth storing. */
const CALIBRATION_MIN_ANSWERS = 100;
export const EXIT_INTERRUPTED = 130;

export async function evalCommand(flags: Map<string, string>, words: readonly string[], io: CliIo): Promise<number> {
  const seed = wholeNumber(flags, '--seed', DEFAULT_SEED, 0);
  const limit = flags.has('--limit') ? wholeNumber(flags, '--limit', 0, 1) : undefined;
  const concurrency = wholeNumber(flags, '--concurrency', 1, 1);
  if (flags.has('--models') && flags.has('--installed')) throw new UsageError('choose --models m1,m2 or --installed, not both');
  // Tasks first: a bad task file stops the eval before anything is asked.
  const tasks = await loadTasks(words, seed, limit);
  const app = await openApp(flags, io, EVAL_FLAGS);
  const controller = new AbortController();
  io.onSignal('SIGINT', () => {
    if (controller.signal.aborted) return;
    io.stderr('\nrlm eval: stopping; the finished tasks are kept, and the same command resumes.\n');
    controller.abort();
  });
  const profiles = await chosenProfiles(app, flags, controller.signal);
  const models = await chosenModels(app, flags, profiles, controller.signal);
  const targets: EvalTarget[] = [
    ...models.map((name): EvalTarget => ({ kind: 'model', name, index: null })),
    ...profiles.map((profile): EvalTarget => ({ kind: 'profile', name: profile.name, index: profile.index })),
  ];
  for (const profile of profiles) await app.pipeline.checkProfileModels(profile, controller.signal);

  const { jobs, skipped } = evalJobs(tasks, targets);
  if (skipped.length > 0) {
    const indexes = [...new Set(skipped.map((job) => job.task.index))].join(', ');
    io.stderr(`rlm eval: ${skipped.length} task runs skipped: they need a profile with the index ${indexes} (single-shot models have none). Build it with \`rlm index eval/docs --name rlm-eval-docs\` and set "index" in a profile.\n`);
  }
  const taskHash = hashJson(tasks);
  const evalId = hashJson({ taskHash, targets: targets.map((target) => `${target.kind}:${target.name}`) }).slice(0, 12);
  const directory = join(app.config.dataDir, 'eval', evalId);
  await makePrivateDirectory(directory);
  const results = await openResultsFile(join(directory, 'results.jsonl'));
  io.stderr(`rlm eval: ${tasks.length} tasks × ${targets.length} targets (${targets.map((target) => target.name).join(', ')}); results in ${results.path}\n`);
  const progress = createProgress({ total: jobs.length, resumed: [...results.done.keys()].length, isTty: io.interactive === true, write: io.stderr });
  let outcome: Awaited<ReturnType<typeof runEval>>;
  try {
    outcome = await runEval({
      jobs,
      results,
      concurrency,
      signal: controller.signal,
      ask: (job, signal) => ask(app, profiles, job, signal),
      onResult: (done, correct) => progress.update(done, correct),
    });
  } finally {
    progress.finish();
    await results.close();
  }
  if (outcome.stopped) {
    io.stderr(`rlm eval: stopped after ${outcome.results.length} of ${jobs.length}; run the same command to resume.\n`);
    return EXIT_INTERRUPTED;
  }

  const report = buildReport(outcome.results);
  const out = flags.has('--out') ? resolve(flags.get('--out') as string) : directory;
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'report.json'), `${JSON.stringify({ evalId, taskHash, seed, tasks: tasks.length, report }, null, 2)}\n`);
  await writeFile(join(out, 'report.html'), renderReportHtml(report));
  const calibrated = flags.has('--calibrate') ? await calibrate(app, profiles, outcome.results, taskHash, io) : [];
  if (flags.has('--json')) io.stdout(`${JSON.stringify({ evalId, taskHash, seed, tasks: tasks.length, out, report, calibrated }, null, 2)}\n`);
  else io.stdout(`${renderReportText(report)}\nReport: ${join(out, 'report.html')} (and report.json)\n`);
  return 0;
}

async function loadTasks(words: readonly string[], seed: number, limit: number | undefined): Promise<EvalTask[]> {
  const sources = words.length > 0 ? words : suiteNames();
  const tasks: EvalTask[] = [];
  for (const source of sources) {
    if (source.endsWith('.jsonl')) {
      tasks.push(...(await readTaskFile(source)).slice(0, limit));
      continue;
    }
    const suite = findSuite(source);
    if (suite === undefined) throw new UsageError(`there is no suite "${source}"; suites: ${suiteNames().join(', ')}, or a task file ending in .jsonl`);
    tasks.push(...suite.tasks(seed).slice(0, limit));
  }
  return tasks;
}

async function chosenProfiles(app: AppDeps, flags: Map<string, string>, signal: AbortSignal): Promise<Profile[]> {
  const { config } = await app.pipeline.currentConfig(signal);
  const names = list(flags.get('--profiles')) ?? [config.defaultProfile];
  const profiles: Profile[] = [];
  for (const name of names) {
    const profile = await app.pipeline.resolveModel(name, signal);
    if (profile === undefined) throw new UsageError(`there is no profile "${name}". Profiles: ${Object.keys(config.profiles).join(', ')}; or rlm/<an installed Ollama model>.`);
    profiles.push(profile);
  }
  return profiles;
}

/** --models, or every installed chat model (--installed), or by default every tier of the profiles. */
async function chosenModels(app: AppDeps, flags: Map<string, string>, profiles: readonly Profile[], signal: AbortSignal): Promise<string[]> {
  const named = list(flags.get('--models'));
  if (named !== undefined) {
    for (const name of named) await app.models.require(name, signal);
    return named;
  }
  if (flags.has('--installed')) {
    const chat: string[] = [];
    for (const model of await app.models.list(signal)) {
      const capabilities = await app.models.capabilities(model.name, signal);
      if (capabilities === undefined || capabilities.includes('completion')) chat.push(model.name);
    }
    return chat;
  }
  return [...new Set(profiles.flatMap((profile) => [profile.generator, ...profile.ladder]))];
}

async function ask(app: AppDeps, profiles: readonly Profile[], job: EvalJob, signal: AbortSignal): Promise<TaskResult> {
  const { task, target } = job;
  const started = performance.now();
  const base = { taskId: task.id, suite: task.suite, targetKind: target.kind, target: target.name };
  try {
    if (target.kind === 'model') {
      const format: OllamaFormat | undefined =
        task.response_format?.type === 'json_schema' ? (task.response_format.json_schema.schema as OllamaFormat) : task.response_format?.type === 'json_object' ? 'json' : undefined;
      const response = await app.ollama.chat(
        { model: target.name, messages: task.messages.map((message) => ({ role: message.role === 'developer' ? 'system' : message.role, content: message.content })), stream: false, options: { temperature: 0, seed: 42, num_ctx: app.config.numCtx }, ...(format ? { format } : {}) },
        signal,
      );
      const answer = response.message?.content ?? '';
      return {
        ...base,
        correct: scoreAnswer(task, answer).correct,
        confidence: null,
        approved: null,
        escalated: false,
        modelCalls: 1,
        tokens: (response.prompt_eval_count ?? 0) + (response.eval_count ?? 0),
        wallMs: Math.round(performance.now() - started),
        verdicts: [],
      };
    }
    const profile = profiles.find((each) => each.name === target.name) as Profile;
    const request = parseChatRequest({ model: profile.name, messages: task.messages, ...(task.response_format ? { response_format: task.response_format } : {}) });
    const result = await app.pipeline.run({ runId: app.pipeline.newRunId(), profile, requestedModel: profile.name, request, signal });
    return judgePipelineRun(task, profile.name, result, Math.round(performance.now() - started));
  } catch (error) {
    // A failed task counts as wrong, and says why; one that the stop cut off is asked again later.
    return { ...base, correct: false, confidence: null, approved: null, escalated: false, modelCalls: 0, tokens: 0, wallMs: Math.round(performance.now() - started), verdicts: [], error: (error as Error).message };
  }
}

async function calibrate(app: AppDeps, profiles: readonly Profile[], results: readonly TaskResult[], taskHash: string, io: CliIo): Promise<string[]> {
  const written: string[] = [];
  for (const profile of profiles) {
    const points = results
      .filter((result) => result.targetKind === 'profile' && result.target === profile.name && typeof result.confidence === 'number')
      .map((result) => ({ score: result.confidence as number, correct: result.correct }));
    if (points.length < CALIBRATION_MIN_ANSWERS) {
      io.stderr(`rlm eval: not calibrating ${profile.name}: ${points.length} answers, at least ${CALIBRATION_MIN_ANSWERS} are needed (run more tasks, or drop --limit).\n`);
      continue;
    }
    const map = fitCalibration(points, { minCount: CALIBRATION_MIN_COUNT });
    const path = await writeCalibration(app.config.dataDir, {
      profile: profile.name,
      fittedAt: new Date(app.now()).toISOString(),
      answers: points.length,
      taskHash,
      models: [...new Set([profile.planner, profile.generator, profile.verifier, ...profile.ladder])],
      accuracy: points.filter((point) => point.correct).length / points.length,
      map,
    });
    io.stderr(`rlm eval: calibrated ${profile.name} on ${points.length} answers: ${path}\n`);
    written.push(path);
  }
  return written;
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) throw new UsageError('a list option needs at least one name, e.g. --profiles rlm');
  return items;
}

function wholeNumber(flags: Map<string, string>, flag: string, fallback: number, minimum: number): number {
  const text = flags.get(flag);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) throw new UsageError(`${flag} must be a whole number of at least ${minimum}, got ${JSON.stringify(text)}`);
  return value;
}
