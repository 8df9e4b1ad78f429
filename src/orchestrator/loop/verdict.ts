/**
 * What the verifier's answer means: the verdict it wrote, read strictly, then held to the gate.
 * Anything unreadable is REJECTED (fail closed); so is an approval that lists problems (it
 * contradicts itself), and an approval less certain than the profile's minApprovalProbability.
 * The verdict the model wrote is kept in the attempt's data whenever it is read otherwise, so a
 * trace shows the reinterpretation and its reason.
 */
import type { Verdict } from '../../types/attempt.js';
import type { RecordedAttempt } from './run-context.js';
import type { OllamaLogprob } from '../../types/ollama.js';
import { nonBlankStrings, readJsonObject } from './structured-output.js';

export type VerdictReading =
  | { ok: true; verdict: Verdict; issues: string[]; stated: Verdict; contradiction: string | null }
  | { ok: false; reason: string };

/** What the verify attempt records: the verdict as judged, its issues, and why it differs from what was written. */
export interface JudgedVerdict {
  verdict: Verdict;
  issues: string[];
  verdictProbability: number | null;
  /** Present when the verdict recorded is not the one the model wrote. */
  data?: Record<string, unknown>;
  error: string | null;
}

const UNREADABLE_ISSUE = 'The reviewer gave no readable verdict, so the draft is not approved.';
const NAMELESS_REJECTION = 'The reviewer rejected the draft without naming a problem.';

/** Reads the verifier's JSON; null for anything that is not exactly a verdict (fail closed). */
export function parseVerdict(content: string): { verdict: Verdict; issues: string[] } | null {
  const reading = readVerdict(content);
  return reading.ok ? { verdict: reading.verdict, issues: reading.issues } : null;
}

/**
 * The verify prompt's own placeholders (prompts/verify.md: `"issues": ["<one specific problem>",
 * "..."]`). Real SmolLM2 and Gemma 3 copied them verbatim under an APPROVED; they name no problem,
 * so they are not issues, and an approval that lists only them is an approval.
 */
const PROMPT_PLACEHOLDERS: ReadonlySet<string> = new Set(['<one specific problem>', '...', '…']);

export function readVerdict(content: string): VerdictReading {
  const object = readJsonObject(content);
  if (!object.ok) return object;
  const { verdict } = object.value;
  if (verdict !== 'APPROVED' && verdict !== 'REJECTED') return { ok: false, reason: 'no "verdict" of APPROVED or REJECTED' };
  const issues = nonBlankStrings(object.value.issues).filter((issue) => !PROMPT_PLACEHOLDERS.has(issue.trim()));
  if (verdict === 'REJECTED') return { ok: true, verdict, stated: verdict, issues: issues.length > 0 ? issues : [NAMELESS_REJECTION], contradiction: null };
  if (issues.length === 0) return { ok: true, verdict, stated: verdict, issues, contradiction: null };
  // The prompt asks for `"issues": []` with an approval: an approval that names problems is not one.
  const count = issues.length === 1 ? '1 issue' : `${issues.length} issues`;
  return { ok: true, verdict: 'REJECTED', stated: verdict, issues, contradiction: `contradictory verdict: APPROVED with ${count}, read as REJECTED` };
}

/**
 * The verify attempt's verdict. `probability` is the verdict token's (verdictTokenProbability, or
 * the one recorded when the call was first made); `minApprovalProbability` is the profile's knob.
 * Without a probability the knob fails closed: the profile asked for approvals at least that
 * certain, and an approval of unknown certainty is not shown to be one.
 */
export function judgeVerdict(reading: VerdictReading, probability: number | null, minApprovalProbability: number | null): JudgedVerdict {
  if (!reading.ok) return { verdict: 'REJECTED', issues: [UNREADABLE_ISSUE], verdictProbability: null, error: `unreadable verdict: ${reading.reason}` };
  if (reading.contradiction !== null) {
    return { verdict: 'REJECTED', issues: reading.issues, verdictProbability: probability, data: { statedVerdict: reading.stated }, error: reading.contradiction };
  }
  if (reading.verdict === 'APPROVED' && minApprovalProbability !== null && (probability === null || probability < minApprovalProbability)) {
    const issue =
      probability === null
        ? `The reviewer approved without a verdict probability (Ollama returned no logprobs), and the profile's minApprovalProbability ${minApprovalProbability} needs one.`
        : `The reviewer approved with probability ${shown(probability, minApprovalProbability)}, below the profile's minApprovalProbability ${minApprovalProbability}.`;
    return { verdict: 'REJECTED', issues: [issue], verdictProbability: probability, data: { statedVerdict: 'APPROVED', minApprovalProbability }, error: null };
  }
  return { verdict: reading.verdict, issues: reading.issues, verdictProbability: probability, error: null };
}

/**
 * The probability of the token that starts the verdict's value: where the model chose between
 * APPROVED and REJECTED. Null when Ollama returned no logprobs (older versions) or the token
 * cannot be located.
 */
export function verdictTokenProbability(logprobs: readonly OllamaLogprob[], verdict: Verdict): number | null {
  if (logprobs.length === 0) return null;
  let text = '';
  const starts: number[] = [];
  for (const entry of logprobs) {
    starts.push(text.length);
    text += entry.token;
  }
  const key = text.indexOf('"verdict"');
  const at = text.indexOf(verdict, key < 0 ? 0 : key);
  if (at < 0) return null;
  let index = starts.length - 1;
  while (index > 0 && (starts[index] as number) > at) index--;
  const logprob = logprobs[index]?.logprob;
  return typeof logprob === 'number' && Number.isFinite(logprob) ? Math.min(1, Math.exp(logprob)) : null;
}

/**
 * How likely the verifier thought the draft right, from a verify attempt: the verdict token's
 * probability for an approval, or for an approval read as a rejection (`data.statedVerdict`), and
 * its complement for a rejection. Null without a probability.
 */
export function approvalProbability(verify: RecordedAttempt): number | null {
  const probability = verify.verdictProbability;
  if (typeof probability !== 'number' || probability < 0 || probability > 1) return null;
  const stated = verify.output?.data?.['statedVerdict'] ?? verify.verdict;
  return stated === 'APPROVED' ? probability : 1 - probability;
}

/** Three decimals, or every digit where three would print a probability below the knob as equal to it. */
function shown(probability: number, minimum: number): number {
  const rounded = Math.round(probability * 1000) / 1000;
  return rounded < minimum ? rounded : probability;
}
