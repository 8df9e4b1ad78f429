/**
 * retrieve: when the profile names an index, the top-k chunks for the conversation's last user
 * message become numbered context for the plan, the draft and the verdict, and the attempt records
 * which chunks were used, with their scores.
 */
import type { SearchHit } from '../../types/retrieval.js';
import { hashJson, sha256Hex } from '../../utils/hash.js';
import { startTimer } from '../../utils/timer.js';
import { lastUserText } from './conversation-text.js';
import { noModelCall, record, type RunContext } from './run-context.js';

/** The context text for the prompts; '' when the profile names no index. */
export async function retrieveContext(run: RunContext): Promise<string> {
  const { profile, request, signal } = run.input;
  if (profile.index === null) return '';
  const query = lastUserText(request.messages);
  const elapsed = startTimer();
  const base = {
    ...noModelCall(run),
    attemptId: run.deps.newId('att'),
    parentAttemptId: null,
    stage: 'retrieve' as const,
    tier: 0,
    name: profile.index,
    inputHash: hashJson({ index: profile.index, k: profile.k, query }),
    verdict: null,
    issues: [],
  };
  let found: { model: string; hits: SearchHit[] };
  try {
    const result = await run.deps.retrieval.search({ query, index: profile.index, k: profile.k }, signal);
    found = { model: result.manifest.model, hits: result.hits };
  } catch (error) {
    await record(run, { ...base, durationMs: elapsed(), output: null, error: (error as Error).message });
    throw error;
  }
  const chunks = found.hits.map((hit) => ({ path: hit.path, startLine: hit.startLine, endLine: hit.endLine, score: round(hit.score), sha256: sha256Hex(hit.text) }));
  const context = formatContext(found.hits);
  await record(run, { ...base, model: found.model, durationMs: elapsed(), output: { content: context, data: { index: profile.index, k: profile.k, chunks } }, error: null });
  return context;
}

/** "[1] src/a.ts:10-40" then the chunk in a fence, for each hit: what prompts cite by number. */
export function formatContext(hits: readonly SearchHit[]): string {
  return hits.map((hit, index) => `[${index + 1}] ${hit.path}:${hit.startLine}-${hit.endLine}\n\`\`\`\n${hit.text}\n\`\`\``).join('\n\n');
}

function round(score: number): number {
  return Math.round(score * 10000) / 10000;
}
