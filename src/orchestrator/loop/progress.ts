/** The one-line progress text for each attempt ("verify: REJECTED, 2 issues"), or nothing for quiet ones. */
import type { AttemptRecord } from '../../types/attempt.js';

export function progressText(attempt: AttemptRecord): string | undefined {
  const model = attempt.model ?? '';
  const issues = attempt.issues.length === 1 ? '1 issue' : `${attempt.issues.length} issues`;
  switch (attempt.stage) {
    case 'retrieve': {
      if (attempt.error !== null) return `retrieve: failed: ${attempt.error}`;
      const chunks = (attempt.output?.data?.chunks as { score: number }[] | undefined) ?? [];
      const best = chunks[0] ? `, best score ${chunks[0].score.toFixed(2)}` : '';
      return `retrieve: ${chunks.length} chunks from index ${attempt.name}${best}`;
    }
    case 'plan': {
      const checks = (attempt.output?.data?.checks as unknown[] | undefined)?.length;
      return attempt.error !== null ? `plan: unreadable, going on without a plan (${model})` : `plan: ${checks ?? 0} checks (${model})`;
    }
    case 'generate':
      return attempt.error !== null ? `generate: failed (${model}): ${attempt.error}` : `generate: draft from ${model} (tier ${attempt.tier})${cached(attempt)}`;
    case 'check':
      return attempt.verdict === 'APPROVED' ? undefined : `check ${attempt.name}: failed, ${issues}`;
    case 'verify':
      return attempt.verdict === 'APPROVED' ? `verify: APPROVED (${model})${cached(attempt)}` : `verify: REJECTED, ${issues} (${model})${cached(attempt)}`;
    case 'revise':
      return attempt.error !== null ? `revise: ${attempt.error} (${model})` : `revise: revised by ${model}${cached(attempt)}`;
    case 'decision':
      return attempt.output?.content;
    case 'finish':
      return undefined;
  }
}

function cached(attempt: AttemptRecord): string {
  return attempt.cacheHit ? ', from cache' : '';
}
