/**
 * The pipeline on real small models: SmolLM2-135M generating and verifying, Gemma 3 270M on the
 * ladder. These models are tiny, so answer quality is recorded, not asserted; what is asserted is the
 * mechanics a user relies on: every verdict was readable (the structured output held on a real
 * model), the trace verifies, progress was streamed, and nothing but the answer reached `content`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutOwnNotes } from '../../src/orchestrator/loop/own-notes.js';
import { createTraceStore } from '../../src/orchestrator/traces/trace-store.js';
import type { AttemptRecord } from '../../src/types/attempt.js';
import { REAL_MODELS } from '../support/real-ollama.js';
import { postJson, sseEvents } from '../support/stack.js';
import { realSkipped, startRealStack, type RealStack } from './real-stack.js';

const QUESTIONS: { question: string; expected: RegExp }[] = [
  { question: 'What is the capital of France?', expected: /paris/i },
  { question: 'What is 2 + 3?', expected: /\b5\b|five/i },
  { question: 'What colour is the sky on a clear day?', expected: /blue/i },
  { question: 'How many days are in a week?', expected: /\b7\b|seven/i },
  { question: 'What is the largest planet in the solar system?', expected: /jupiter/i },
  { question: 'What do bees make?', expected: /honey/i },
  { question: 'What is the opposite of hot?', expected: /cold/i },
  { question: 'How many legs does a spider have?', expected: /\b8\b|eight/i },
  { question: 'What is frozen water called?', expected: /ice/i },
  { question: 'What is 10 minus 4?', expected: /\b6\b|six/i },
  { question: 'Which animal says "meow"?', expected: /cat/i },
  { question: 'What is the chemical symbol for gold?', expected: /\bAu\b/ },
];

const PROFILE = {
  generator: REAL_MODELS.chat,
  verifier: REAL_MODELS.chat,
  planner: REAL_MODELS.chat,
  ladder: [REAL_MODELS.ladder],
  maxRevisions: 1,
  plan: 'auto',
  // Tiny models ramble; bounded calls keep a run to seconds on two CPU cores.
  stages: { generate: { num_predict: 96 }, revise: { num_predict: 96 } },
};

type Chunk = { choices: { delta: { content?: string; reasoning_content?: string } }[]; rlm?: { approved: boolean; confidence: number; attempts: number } };

/**
 * Gemma's base model as the verifier: a second architecture (Ollama's own Go engine, not llama.cpp's
 * runner) must hold the verdict grammar too. Both tiny verifiers have so far approved every draft,
 * so revision and escalation on real models are not yet exercised; the simulator suites cover them.
 */
const STRICT_PROFILE = { ...PROFILE, verifier: REAL_MODELS.ladder };

describe.skipIf(realSkipped !== undefined)('the pipeline on real models', () => {
  let stack: RealStack;
  beforeAll(async () => {
    stack = await startRealStack({ rlmConfig: { profiles: { rlm: PROFILE, 'rlm-strict': STRICT_PROFILE } } });
  });
  afterAll(async () => stack?.close());

  // Six of the questions: since the gate rejects, real runs revise and escalate, several calls each.
  it('runs six questions to the end with readable verdicts, verified traces, progress, and a clean answer', async () => {
    await runQuestions(stack, 'rlm', QUESTIONS.slice(0, 6));
  });

  it('with Gemma verifying: readable verdicts and verified traces on a second engine', async () => {
    await runQuestions(stack, 'rlm-strict', QUESTIONS.slice(0, 4));
  });
});

async function runQuestions(stack: RealStack, profile: string, questions: typeof QUESTIONS): Promise<void> {
  const rows: { question: string; correct: boolean; approved: boolean; calls: number; escalated: boolean; seconds: number }[] = [];
  for (const { question, expected } of questions) {
    const started = Date.now();
    const response = await postJson(`${stack.url}/v1/chat/completions`, {
      model: profile,
      stream: true,
      messages: [{ role: 'user', content: question }],
    });
    expect(response.status).toBe(200);
    const runId = response.headers.get('x-rlm-run-id')!;
    const events = sseEvents(response.text);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Chunk[];
    expect(chunks.some((chunk) => 'error' in chunk)).toBe(false);
    const progress = chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join('');
    const answer = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    const summary = chunks.find((chunk) => chunk.rlm !== undefined)!.rlm!;

    expect(progress).toMatch(/^generate: draft from /m);
    expect(progress).toMatch(/^verify: (APPROVED|REJECTED)/m);
    expect(answer.trim().length).toBeGreaterThan(0);
    // Nothing of the pipeline's own text leaks into the answer.
    // rlm's own note on an unapproved answer quotes the verifier's issues; the rest is the model's.
    const ownText = withoutOwnNotes([{ role: 'assistant', content: answer }])[0]?.content as string;
    expect(ownText).not.toMatch(/<think>|APPROVED|REJECTED|"verdict"|"strategy"|acceptance checks/i);
    expect(ownText).not.toContain('You are');

    const run = (await (await fetch(`${stack.url}/v1/rlm/runs/${runId}`)).json()) as { attempts: AttemptRecord[] };
    const verifies = run.attempts.filter((attempt) => attempt.stage === 'verify' && attempt.model !== null);
    expect(verifies.length).toBeGreaterThan(0);
    for (const verify of verifies) {
      // Readable: a verdict the gate reinterprets (an APPROVED that lists real issues) is still a verdict.
      expect(verify.error ?? '', `verdict of ${runId} attempt ${verify.seq}: ${verify.output?.content}`).not.toMatch(/unreadable/);
      expect(['APPROVED', 'REJECTED']).toContain(verify.verdict);
    }
    const calls = run.attempts.filter((attempt) => attempt.model !== null).length;
    rows.push({
      question,
      correct: expected.test(answer),
      approved: summary.approved,
      calls,
      escalated: run.attempts.some((attempt) => attempt.tier > 0),
      seconds: (Date.now() - started) / 1000,
    });
  }
  const report = await createTraceStore({ dataDir: stack.dataDir, retentionDays: 0, now: () => Date.now() }).verifyAll();
  expect(report.problems).toEqual([]);
  expect(report.runs).toBeGreaterThanOrEqual(rows.length);

  const share = (predicate: (row: (typeof rows)[number]) => boolean): string => `${rows.filter(predicate).length}/${rows.length}`;
  const calls = rows.reduce((sum, row) => sum + row.calls, 0);
  const seconds = rows.reduce((sum, row) => sum + row.seconds, 0);
  process.stdout.write(
    `\nreal pipeline, profile ${profile} (${REAL_MODELS.chat} generating, ${profile === 'rlm' ? REAL_MODELS.chat : REAL_MODELS.ladder} verifying, ${REAL_MODELS.ladder} on the ladder):\n` +
      rows.map((row) => `  ${row.correct ? 'right' : 'wrong'}  ${row.approved ? 'approved  ' : 'unapproved'}  ${row.calls} calls  ${row.escalated ? 'escalated' : '         '}  ${row.seconds.toFixed(1)} s  ${row.question}\n`).join('') +
      `  accuracy ${share((row) => row.correct)}, approved ${share((row) => row.approved)}, escalated ${share((row) => row.escalated)}, ` +
      `${(calls / rows.length).toFixed(1)} model calls per answer, ${(seconds / rows.length).toFixed(1)} s per answer\n`,
  );
}

