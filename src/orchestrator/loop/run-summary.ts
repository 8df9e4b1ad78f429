/** Everything a client is told about a run, derived from its attempts alone. */
import type { RunTrace } from '../../types/attempt.js';
import { computeConfidence, findAnswerAttempt } from './confidence.js';
import type { CalibrationRef, RunSummary } from './types.js';

export function summarizeRun(trace: RunTrace): RunSummary {
  const { attempts, header } = trace;
  const finish = attempts.findLast((attempt) => attempt.stage === 'finish');
  const status = (finish?.name as RunSummary['status'] | undefined) ?? (trace.interrupted === true ? 'interrupted' : 'running');
  const answerAttempt = status === 'completed' ? findAnswerAttempt(attempts) : undefined;
  const confidence = computeConfidence(attempts);
  const recorded = recordedConfidence(finish?.output?.data?.['confidence']);
  const models: string[] = [];
  let promptTokens = 0;
  let completionTokens = 0;
  for (const attempt of attempts) {
    if (attempt.model !== null && !models.includes(attempt.model)) models.push(attempt.model);
    promptTokens += attempt.tokens.prompt;
    completionTokens += attempt.tokens.completion;
  }
  const lastVerdict = answerAttempt
    ? attempts.filter((attempt) => attempt.parentAttemptId === answerAttempt.attemptId && (attempt.stage === 'verify' || attempt.stage === 'check'))
    : [];
  const issues = confidence.approved ? [] : lastVerdict.flatMap((attempt) => attempt.issues);
  const last = attempts.at(-1);
  const durationMs = last ? Date.parse(last.startedAt) + last.durationMs - Date.parse(header.startedAt) : 0;
  return {
    runId: header.runId,
    status,
    answer: answerAttempt?.output ? { content: answerAttempt.output.content, toolCalls: answerAttempt.output.toolCalls ?? [] } : null,
    approved: status === 'completed' && confidence.approved,
    confidence: status === 'completed' ? (recorded?.value ?? confidence.value) : 0,
    rawConfidence: status === 'completed' ? confidence.value : 0,
    calibration: status === 'completed' ? (recorded?.calibration ?? null) : null,
    attempts: attempts.length,
    escalated: attempts.some((attempt) => attempt.stage === 'generate' && attempt.tier > 0),
    models,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    issues,
    durationMs: Math.max(0, Math.round(durationMs)),
  };
}

/** The confidence the finish record says the client got, when it is well formed. */
function recordedConfidence(value: unknown): { value: number; calibration: CalibrationRef | null } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { value: number, calibration } = value as { value?: unknown; calibration?: unknown };
  if (typeof number !== 'number' || !(number >= 0 && number <= 1)) return undefined;
  return { value: number, calibration: isCalibrationRef(calibration) ? calibration : null };
}

function isCalibrationRef(value: unknown): value is CalibrationRef {
  if (typeof value !== 'object' || value === null) return false;
  const ref = value as Record<string, unknown>;
  return typeof ref.fittedAt === 'string' && typeof ref.answers === 'number' && typeof ref.taskHash === 'string' && Array.isArray(ref.models);
}
