/**
 * What both streams (chat and completions) share at their end: the native done reason from
 * OpenAI's `finish_reason`, the counts from `usage`, and the durations Ollama would report, taken
 * from the wall clock (an OpenAI-compatible server reports no timings): the whole exchange, until
 * the first token (prompt evaluation and any queueing), and from there to the end (generation).
 */
import type { OllamaDoneReason, OllamaMetrics } from '../../types/ollama.js';

export interface StreamUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

export interface StreamTimer {
  /** Something generated arrived: the first call marks the end of prompt evaluation. */
  token(): void;
  metrics(usage: StreamUsage | undefined): OllamaMetrics;
}

const NS_PER_MS = 1e6;

export function createStreamTimer(now: () => number): StreamTimer {
  const started = now();
  let firstToken: number | undefined;
  return {
    token() {
      firstToken ??= now();
    },
    metrics(usage) {
      const ended = now();
      const first = firstToken ?? ended;
      return {
        total_duration: Math.round((ended - started) * NS_PER_MS),
        prompt_eval_count: usage?.prompt_tokens ?? 0,
        prompt_eval_duration: Math.round((first - started) * NS_PER_MS),
        eval_count: usage?.completion_tokens ?? 0,
        eval_duration: Math.round((ended - first) * NS_PER_MS),
      };
    },
  };
}

/** `length` stays; `stop`, `tool_calls` (native chat says stop) and anything else are `stop`. */
export function doneReason(finishReason: string | null | undefined): OllamaDoneReason {
  return finishReason === 'length' ? 'length' : 'stop';
}
