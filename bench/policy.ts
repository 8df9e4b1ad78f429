/**
 * What the pipeline's policy buys in a world where the truth is known: the real loop (through the
 * pipeline service, as `rlm ask` runs it, with the real trace store in a temporary directory and
 * the call cache on) against the in-process models of `policy-world.ts`. Per configuration of
 * generator and verifier quality: accuracy with its Wilson interval, approval, escalation, model
 * calls, and how well the run summary's confidence predicts a right answer (Brier, ECE, AUROC),
 * against the two predictors any calibrated confidence must beat: the constant base rate, and the
 * approval bit alone (the observed accuracy among approved and among unapproved answers).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChatRequest } from '../src/api/chat/chat-request.js';
import { crossFittedCalibration, type CalibratedFigures } from './policy-calibration.js';
import { accuracy, auroc, brierScore, expectedCalibrationError, type Prediction, type Proportion } from '../src/eval/metrics.js';
import { parseRlmConfig } from '../src/orchestrator/profiles/profile-config.js';
import { createPipelineService } from '../src/orchestrator/service/pipeline-service.js';
import type { PipelineResult } from '../src/orchestrator/loop/types.js';
import { loadPrompts, type PromptSet } from '../src/prompts/load.js';
import type { Retrieval } from '../src/index/retrieval.js';
import { newId } from '../src/utils/ids.js';
import { silentLogger } from '../src/utils/logger.js';
import { answerIn, createWorldClient, makeTasks, worldCatalog, type Task, type WorldRates } from './policy-world.js';
import { formatPolicyTables } from './policy-table.js';
import type { Benchmark } from './run.js';

export const POLICY_SEED = 20250109;
const TIER0_ACCURACY = [0.5, 0.7];
const TIER1_ACCURACY = 0.9;
const VERIFIER_ERRORS = [0, 0.1, 0.3];
/** Runs in flight at once: the service runs two and queues the rest, so trace fsyncs overlap with work. */
const IN_FLIGHT = 4;

const PROFILE_NAME = 'policy';
const PROFILE = { planner: 'verifier', generator: 'tier0', verifier: 'verifier', ladder: ['tier1'], maxRevisions: 1, plan: 'never', onExhausted: 'best', progress: false };
const MODEL_STAGES = new Set(['plan', 'generate', 'verify', 'revise']);

export interface Configuration {
  tier0Accuracy: number;
  falseApproval: number;
  falseRejection: number;
}

export interface ConfigurationResult extends Configuration {
  accuracy: Proportion;
  approved: number;
  escalated: number;
  failedRuns: number;
  failures: Record<string, number>;
  modelCallsPerRequest: number;
  modelCallsPerApproved: number | null;
  cacheHits: number;
  accuracyWhenApproved: number | null;
  accuracyWhenUnapproved: number | null;
  confidence: { brier: number | null; ece: number | null; auroc: number | null; mean: number | null };
  constantBrier: number | null;
  approvalBitBrier: number | null;
  approvalBitAuroc: number | null;
  /** The confidence after isotonic calibration, cross-fitted in two folds (policy-calibration.ts). */
  calibrated: CalibratedFigures;
}

export interface SingleShot {
  accuracy: Proportion;
  /** The constant predictor's Brier: always saying the base rate. */
  constantBrier: number | null;
}

export interface PolicyResults {
  seed: number;
  tasksPerConfiguration: number;
  profile: typeof PROFILE;
  tier1Accuracy: number;
  singleShot: { tier1: SingleShot; tier0: Record<string, SingleShot> };
  configurations: ConfigurationResult[];
  runs: number;
  seconds: number;
}

interface RunOutcome {
  correct: boolean;
  approved: boolean;
  escalated: boolean;
  confidence: number;
  modelCalls: number;
  cacheHits: number;
  failed: boolean;
}

export const policyBenchmark: Benchmark = {
  name: 'policy',
  async run(context) {
    const started = performance.now();
    const count = tasksPerConfiguration(process.env.RLM_BENCH_POLICY_TASKS);
    const tasks = makeTasks(count, POLICY_SEED);
    const prompts = await loadPrompts();
    const directory = await mkdtemp(join(tmpdir(), 'rlm-bench-policy-'));
    try {
      const singleShot = {
        tier1: await singleShotAccuracy(tasks, 'tier1', TIER1_ACCURACY),
        tier0: Object.fromEntries(await Promise.all(TIER0_ACCURACY.map(async (p) => [String(p), await singleShotAccuracy(tasks, 'tier0', p)] as const))),
      };
      const configurations: ConfigurationResult[] = [];
      for (const tier0Accuracy of TIER0_ACCURACY) {
        for (const falseApproval of VERIFIER_ERRORS) {
          for (const falseRejection of VERIFIER_ERRORS) {
            const configuration = { tier0Accuracy, falseApproval, falseRejection };
            context.progress(`tier 0 right ${percent(tier0Accuracy)}, verifier approves wrong ${percent(falseApproval)}, rejects right ${percent(falseRejection)}: ${count} runs`);
            configurations.push(await runConfiguration(configuration, tasks, prompts, directory));
          }
        }
      }
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      const runs = configurations.length * count;
      const results: PolicyResults = {
        seed: POLICY_SEED,
        tasksPerConfiguration: count,
        profile: PROFILE,
        tier1Accuracy: TIER1_ACCURACY,
        singleShot,
        configurations,
        runs,
        seconds,
      };
      if (!context.json) context.write(formatPolicyTables(results));
      return { ...results };
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  },
};

async function runConfiguration(configuration: Configuration, tasks: readonly Task[], prompts: PromptSet, dataDir: string): Promise<ConfigurationResult> {
  const rates: WorldRates = { ...worldRates(configuration.tier0Accuracy), falseApproval: configuration.falseApproval, falseRejection: configuration.falseRejection };
  const ollama = createWorldClient(rates, POLICY_SEED);
  const fileConfig = parseRlmConfig({ profiles: { [PROFILE_NAME]: PROFILE } }, 'bench/policy.ts');
  const profile = fileConfig.profiles[PROFILE_NAME];
  if (profile === undefined) throw new Error('the policy profile did not parse');
  // A service per configuration: its call cache must not answer from another world's models.
  const service = createPipelineService({
    fileConfig,
    dataDir,
    ollama,
    models: worldCatalog(rates),
    prompts,
    retrieval: noRetrieval,
    logger: silentLogger,
    numCtx: 8192,
    now: Date.now,
    newId,
  });
  const outcomes: RunOutcome[] = new Array(tasks.length);
  /** Why runs failed, by message: a run of this world should never fail, so any is a finding. */
  const failures = new Map<string, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index] as Task;
      const request = parseChatRequest({ model: PROFILE_NAME, messages: [{ role: 'user', content: task.question }] });
      let result: PipelineResult | undefined;
      try {
        result = await service.run({ runId: service.newRunId(), profile, requestedModel: PROFILE_NAME, request, signal: new AbortController().signal });
      } catch (error) {
        result = undefined;
        failures.set((error as Error).message, (failures.get((error as Error).message) ?? 0) + 1);
      }
      outcomes[index] = outcome(task, result);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const counted = outcomes.reduce((sum, run) => sum + run.modelCalls, 0);
  if (!outcomes.some((run) => run.failed) && counted !== ollama.calls) {
    throw new Error(`the runs' attempts record ${counted} model calls, but the world answered ${ollama.calls}`);
  }
  return { ...summarize(configuration, outcomes, ollama.calls), failures: Object.fromEntries(failures) };
}

function outcome(task: Task, result: PipelineResult | undefined): RunOutcome {
  if (result === undefined) return { correct: false, approved: false, escalated: false, confidence: 0, modelCalls: 0, cacheHits: 0, failed: true };
  const { summary, trace } = result;
  const modelAttempts = trace.attempts.filter((attempt) => MODEL_STAGES.has(attempt.stage) && attempt.model !== null);
  return {
    correct: summary.status === 'completed' && answerIn(summary.answer?.content ?? '') === task.answer,
    approved: summary.approved,
    escalated: summary.escalated,
    confidence: summary.confidence,
    modelCalls: modelAttempts.filter((attempt) => !attempt.cacheHit).length,
    cacheHits: modelAttempts.filter((attempt) => attempt.cacheHit).length,
    failed: summary.status !== 'completed',
  };
}

function summarize(configuration: Configuration, outcomes: readonly RunOutcome[], modelCalls: number): Omit<ConfigurationResult, 'failures'> {
  const approved = outcomes.filter((run) => run.approved);
  const unapproved = outcomes.filter((run) => !run.approved);
  const shareRight = (runs: readonly RunOutcome[]): number | null => (runs.length === 0 ? null : runs.filter((run) => run.correct).length / runs.length);
  const whenApproved = shareRight(approved);
  const whenUnapproved = shareRight(unapproved);
  const overall = accuracy(outcomes.map((run) => run.correct));
  const predictions: Prediction[] = outcomes.map((run) => ({ probability: run.confidence, correct: run.correct }));
  const baseRate = overall.estimate ?? 0;
  // In-sample: the approval bit's predictor is fitted to the very runs it scores, so it is the
  // best this one bit can do, a bound a confidence must beat and not an estimate of one.
  const approvalBit: Prediction[] = outcomes.map((run) => ({ probability: (run.approved ? whenApproved : whenUnapproved) ?? 0, correct: run.correct }));
  return {
    ...configuration,
    accuracy: overall,
    approved: approved.length / outcomes.length,
    escalated: outcomes.filter((run) => run.escalated).length / outcomes.length,
    failedRuns: outcomes.filter((run) => run.failed).length,
    modelCallsPerRequest: modelCalls / outcomes.length,
    modelCallsPerApproved: approved.length === 0 ? null : modelCalls / approved.length,
    cacheHits: outcomes.reduce((sum, run) => sum + run.cacheHits, 0),
    accuracyWhenApproved: whenApproved,
    accuracyWhenUnapproved: whenUnapproved,
    confidence: {
      brier: brierScore(predictions),
      ece: expectedCalibrationError(predictions),
      auroc: auroc(predictions),
      mean: predictions.length === 0 ? null : predictions.reduce((sum, prediction) => sum + prediction.probability, 0) / predictions.length,
    },
    constantBrier: brierScore(outcomes.map((run) => ({ probability: baseRate, correct: run.correct }))),
    approvalBitBrier: brierScore(approvalBit),
    approvalBitAuroc: auroc(approvalBit),
    calibrated: crossFittedCalibration(outcomes),
  };
}

/** The same world's model asked once, with the question alone: accuracy, and the constant predictor's Brier. */
async function singleShotAccuracy(tasks: readonly Task[], model: string, probability: number): Promise<SingleShot> {
  const ollama = createWorldClient({ ...worldRates(probability), accuracy: { [model]: probability } }, POLICY_SEED);
  const correct: boolean[] = [];
  for (const task of tasks) {
    const response = await ollama.chat({ model, messages: [{ role: 'user', content: task.question }], stream: false, options: { temperature: 0, seed: 42 } });
    correct.push(answerIn(response.message.content) === task.answer);
  }
  const result = accuracy(correct);
  return { accuracy: result, constantBrier: brierScore(correct.map((right) => ({ probability: result.estimate ?? 0, correct: right }))) };
}

/** RLM_BENCH_POLICY_TASKS, 400 by default. */
function tasksPerConfiguration(setting: string | undefined): number {
  if (setting === undefined || setting === '') return 400;
  const count = Number(setting);
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`RLM_BENCH_POLICY_TASKS must be a whole number of at least 1, got ${JSON.stringify(setting)}`);
  }
  return count;
}

function worldRates(tier0Accuracy: number): WorldRates {
  return { accuracy: { tier0: tier0Accuracy, tier1: TIER1_ACCURACY }, verifier: 'verifier', falseApproval: 0, falseRejection: 0 };
}

const noRetrieval: Retrieval = {
  search: async () => {
    throw new Error('the policy profile names no index');
  },
};

function percent(value: number): string {
  return `${Math.round(value * 100)} %`;
}
