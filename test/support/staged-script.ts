/**
 * Scripts the simulator per pipeline stage: one model may plan and verify, so a model's script
 * looks at the request to tell which stage is asking (the verdict or plan schema in `format`, the
 * revise prompt's opening words) and answers from that stage's list.
 */
import type { RecordedRequest, Reply, Script } from '../simulator/index.js';

export type StageName = 'plan' | 'generate' | 'verify' | 'revise';
type StageReplies = Reply | Reply[] | ((request: RecordedRequest) => Reply);

export function stageOf(request: RecordedRequest): StageName {
  const body = request.body as { format?: { properties?: Record<string, unknown> }; messages?: { content?: string }[] };
  const properties = body.format?.properties ?? {};
  if ('verdict' in properties) return 'verify';
  if ('strategy' in properties) return 'plan';
  if (body.messages?.[0]?.content?.startsWith('You are revising')) return 'revise';
  return 'generate';
}

export function stagedScript(stages: Partial<Record<StageName, StageReplies>>): Script {
  const used: Record<string, number> = {};
  return (request) => {
    const stage = stageOf(request);
    const replies = stages[stage];
    if (replies === undefined) throw new Error(`no scripted reply for stage ${stage}`);
    if (typeof replies === 'function') return replies(request);
    if (!Array.isArray(replies)) return replies;
    const index = Math.min(used[stage] ?? 0, replies.length - 1);
    used[stage] = (used[stage] ?? 0) + 1;
    return replies[index] as Reply;
  };
}

export const APPROVED = JSON.stringify({ verdict: 'APPROVED', issues: [] });
export const rejected = (...issues: string[]): string => JSON.stringify({ verdict: 'REJECTED', issues });
export const planReply = (...checks: string[]): string => JSON.stringify({ strategy: 'Answer directly and precisely.', checks });

/** The stages that reached the simulator, in order, as "stage:model". */
export function stageLog(requests: readonly RecordedRequest[]): string[] {
  return requests
    .filter((request) => request.path === '/api/chat')
    .map((request) => `${stageOf(request)}:${(request.body as { model: string }).model}`);
}
