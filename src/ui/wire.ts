/** The parts of the API's answers the page reads (the server's own types live in src/types/; the page is built apart). */
import type { TimelineAttempt } from './timeline-layout.js';

export interface RunRow {
  runId: string;
  status: 'completed' | 'aborted' | 'failed' | 'running' | 'interrupted';
  approved: boolean;
  confidence: number;
  attempts: number;
  escalated: boolean;
  models: string[];
  durationMs: number;
  profile: string;
  model: string;
  startedAt: string;
  question: string;
  issues: string[];
}

export interface RunList {
  data: RunRow[];
  next: string | null;
  scanned?: number;
}

export interface Attempt extends TimelineAttempt {
  attemptId: string;
  parentAttemptId: string | null;
  output: { content: string; toolCalls?: { name: string; arguments: string }[]; data?: Record<string, unknown> } | null;
  issues: string[];
  verdictProbability: number | null;
  hash: string;
}

export interface RunDetail {
  summary: RunRow & { answer: { content: string } | null; usage: { total_tokens: number } };
  header: { runId: string; startedAt: string; profile: string; requestedModel: string; request: { messages?: { role: string; content: unknown }[] } };
  attempts: Attempt[];
  chain?: { state: 'intact' | 'broken' | 'unsealed'; records: number; problems: { index: number; problem: string }[] };
}

export interface SearchAnswer {
  index: string;
  data: { path: string; start_line: number; end_line: number; score: number; text: string }[];
}

export interface EvalListRow {
  id: string;
  writtenAt: string;
  /** Why the report cannot be read, for a damaged file. */
  error?: string;
  tasks?: number;
  suites?: string[];
  targets?: { kind: 'model' | 'profile'; name: string; tasks: number; accuracy: number | null }[];
}

export interface EvalList {
  data: EvalListRow[];
  next: string | null;
  total: number;
}

export interface EvalDetail {
  id: string;
  writtenAt: string;
  taskHash: string;
  seed: number | null;
  tasks: number;
  suites: string[];
  summary: { columns: string[]; rows: string[][] };
  bySuite: { columns: string[]; rows: string[][] };
  charts: { name: string; title: string; url: string; width: number; height: number }[];
}
