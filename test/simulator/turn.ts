/**
 * One model turn, decided before anything is written: the thinking and content tokens, the tool
 * calls, the done reason and the final metrics. Chat and generate only differ in how they frame it.
 */
import type { OllamaMetrics, OllamaToolCall } from '../../src/types/ollama.js';
import type { SimulatorSettings } from './exchange.js';
import { fnv1a, limitContent, splitTokens } from './tokens.js';
import type { Fault, Reply, SimulatedReply } from './types.js';

export interface TurnRequest {
  /** False only when the request said think:false. */
  think: boolean;
  numPredict: number | undefined;
  stop: readonly string[];
  promptEvalCount: number;
  /** Request arrival number, seeding the tool-call ids. */
  sequence: number;
}

export interface Turn {
  thinking: string[];
  content: string[];
  toolCalls: OllamaToolCall[];
  toolCallsOn: 'chunk' | 'done';
  doneReason: 'stop' | 'length';
  /** In Ollama's key order, zero values omitted (they are omitempty). */
  metrics: OllamaMetrics;
  fault: Fault | undefined;
}

/** "call_" + 8 chars of [a-z0-9], like Ollama's rendered tool-call path, but deterministic. */
export function toolCallId(sequence: number, index: number, name: string): string {
  const high = fnv1a(`${sequence}:${index}:${name}`).toString(36);
  const low = fnv1a(`${name}:${index}:${sequence}`).toString(36);
  return `call_${`${high}${low}`.padStart(8, '0').slice(0, 8)}`;
}

const NS_PER_MS = 1_000_000;
const LOAD_NS = 1_000_000;
const PROMPT_NS_PER_TOKEN = 250_000;
const EVAL_NS_PER_TOKEN = 1_000_000;
const OVERHEAD_NS = 250_000;

/** Durations are derived from the counts and configured latencies, never from the clock. */
export function turnMetrics(promptEvalCount: number, evalCount: number, settings: SimulatorSettings): OllamaMetrics {
  const promptEvalDuration = settings.firstTokenLatencyMs * NS_PER_MS + promptEvalCount * PROMPT_NS_PER_TOKEN;
  const evalDuration = evalCount * (settings.tokenLatencyMs * NS_PER_MS + EVAL_NS_PER_TOKEN);
  const all: Required<OllamaMetrics> = {
    total_duration: Math.round(LOAD_NS + promptEvalDuration + evalDuration + OVERHEAD_NS),
    load_duration: LOAD_NS,
    prompt_eval_count: promptEvalCount,
    prompt_eval_duration: Math.round(promptEvalDuration),
    eval_count: evalCount,
    eval_duration: Math.round(evalDuration),
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== 0)) as OllamaMetrics;
}

export function asSimulatedReply(reply: Reply): SimulatedReply {
  return typeof reply === 'string' ? { content: reply } : reply;
}

export function planTurn(reply: Reply, request: TurnRequest, settings: SimulatorSettings): Turn {
  const scripted = asSimulatedReply(reply);
  const limited = limitContent(scripted.content ?? '', request.stop, request.numPredict);
  const toolCalls = (scripted.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? toolCallId(request.sequence, index, call.name),
    function: { index, name: call.name, arguments: call.arguments },
  }));
  const evalCount = scripted.evalCount ?? limited.tokens.length;
  return {
    thinking: request.think ? splitTokens(scripted.thinking ?? '') : [],
    content: limited.tokens,
    toolCalls,
    toolCallsOn: scripted.toolCallsOn ?? 'chunk',
    doneReason: limited.reason ?? scripted.doneReason ?? 'stop',
    metrics: turnMetrics(scripted.promptEvalCount ?? request.promptEvalCount, evalCount, settings),
    fault: scripted.fault,
  };
}
