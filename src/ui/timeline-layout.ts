/**
 * The run page's timeline: one bar per attempt on a time axis shared by the whole run, each placed
 * by its start and length as a percentage of the run, and coloured by what it came to. Pure: no DOM.
 */
export interface TimelineAttempt {
  seq: number;
  stage: string;
  name: string | null;
  model: string | null;
  /** With several backends: the one that answered (or failed) this call. */
  backend?: string;
  tier: number;
  startedAt: string;
  durationMs: number;
  verdict: 'APPROVED' | 'REJECTED' | null;
  error: string | null;
  cacheHit: boolean;
  tokens: { prompt: number; completion: number };
}

export type BarOutcome = 'passed' | 'rejected' | 'failed' | 'escalated' | 'work' | 'decision';

export interface TimelineBar {
  seq: number;
  /** Percent of the axis where the bar starts, and its width (at least MIN_WIDTH, so a 0 ms check is seen). */
  left: number;
  width: number;
  outcome: BarOutcome;
  label: string;
}

export interface TimelineLayout {
  totalMs: number;
  bars: TimelineBar[];
  /** Axis marks: a round number of milliseconds and its percent. */
  /** `label`: in ms on a timeline under 10 s, in seconds on a longer one, so one axis has one unit. */
  ticks: { ms: number; left: number; label: string }[];
}

export const MIN_WIDTH = 0.5;

export function outcomeOf(attempt: TimelineAttempt): BarOutcome {
  if (attempt.error !== null && attempt.stage !== 'verify') return 'failed';
  switch (attempt.stage) {
    case 'check':
    case 'verify':
      return attempt.verdict === 'APPROVED' ? 'passed' : 'rejected';
    case 'decision':
      return attempt.name === 'escalate' ? 'escalated' : 'decision';
    case 'finish':
      return attempt.name === 'completed' ? 'passed' : 'failed';
    default:
      return 'work';
  }
}

export function layoutTimeline(runStartedAt: string, attempts: readonly TimelineAttempt[]): TimelineLayout {
  const origin = Date.parse(runStartedAt);
  const spans = attempts.map((attempt) => {
    const start = Math.max(0, Date.parse(attempt.startedAt) - origin) || 0;
    return { attempt, start, end: start + Math.max(0, attempt.durationMs) };
  });
  const totalMs = Math.max(1, ...spans.map((span) => span.end));
  const bars = spans.map(({ attempt, start, end }) => {
    const left = (start / totalMs) * 100;
    const width = Math.max(MIN_WIDTH, ((end - start) / totalMs) * 100);
    return { seq: attempt.seq, left: Math.min(left, 100 - MIN_WIDTH), width: Math.min(width, 100 - Math.min(left, 100 - MIN_WIDTH)), outcome: outcomeOf(attempt), label: labelOf(attempt) };
  });
  return { totalMs, bars, ticks: ticksFor(totalMs) };
}

function labelOf(attempt: TimelineAttempt): string {
  const who = `${attempt.model ?? attempt.name ?? ''}${attempt.backend !== undefined ? ` on ${attempt.backend}` : ''}`;
  const tokens = attempt.model === null ? '' : `, ${attempt.tokens.prompt}+${attempt.tokens.completion} tokens`;
  const cache = attempt.cacheHit ? ', cache hit' : '';
  return `${attempt.stage} ${who} (tier ${attempt.tier}), ${formatDuration(attempt.durationMs)}${tokens}${cache}`;
}

/** A duration as a person reads it: whole milliseconds under 10 s ("2899 ms"), seconds from there ("41.9 s", "60 s"). */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100) / 10;
  return `${Number.isInteger(tenths) ? tenths.toFixed(0) : tenths.toFixed(1)} s`;
}

/** 1, 2 or 5 times a power of ten, so that the axis has at most 6 steps (7 marks, 0 included). */
export function ticksFor(totalMs: number): { ms: number; left: number; label: string }[] {
  const raw = totalMs / 5;
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => totalMs / candidate <= 6) ?? 10 * power;
  const ticks: { ms: number; left: number; label: string }[] = [];
  for (let ms = 0; ms <= totalMs + 1e-9; ms += step) {
    const at = Math.round(ms * 1000) / 1000;
    ticks.push({ ms: at, left: (ms / totalMs) * 100, label: totalMs < 10_000 ? `${at} ms` : `${Math.round(at) / 1000} s` });
  }
  return ticks;
}
