/** A run as one row of the runs list (GET /v1/rlm/runs and the run-events feed): its summary and where it came from. */
import { summarizeRun } from '../../orchestrator/loop/run-summary.js';
import type { StoredRun } from '../../orchestrator/traces/trace-store.js';
import { lastUserText } from '../../orchestrator/loop/conversation-text.js';
import type { OpenAIChatMessage } from '../../types/openai.js';

const QUESTION_CHARS = 200;

export function runItem(trace: StoredRun): Record<string, unknown> {
  return {
    ...summarizeRun(trace),
    // An interrupted run the ledger records as finished: its last records were cut off afterwards.
    ...(trace.truncated !== undefined ? { truncated: trace.truncated } : {}),
    profile: trace.header.profile,
    model: trace.header.requestedModel,
    startedAt: trace.header.startedAt,
    question: questionOf(trace).slice(0, QUESTION_CHARS),
  };
}

/** The last user message of the stored request ('' when there is none). */
export function questionOf(trace: StoredRun): string {
  const messages = trace.header.request['messages'];
  if (!Array.isArray(messages)) return '';
  return lastUserText(messages.filter((message): message is OpenAIChatMessage => typeof message === 'object' && message !== null));
}
