/**
 * The gateway benchmark's figures as the table and its goals: every figure is the median
 * over the rounds of that round's value ("added" is a hop's median minus the simulator's median in
 * the same round), and every goal is a ratio against the minimal proxy or the simulator, met or not.
 */
import type { RunFigures } from './gateway.js';
import type { TargetName } from './gateway-scenarios.js';

export interface GatewayFigures {
  rounds: number;
  durationMs: number;
  /** Whether the hops ran compiled (rlm from dist/) or under tsx, and the line that says so. */
  from: 'dist' | 'src';
  note: string;
  runs: Record<string, Record<TargetName, RunFigures[]>>;
}

export interface Goal {
  goal: string;
  ratio: number;
  /** How the ratio reads: "x" (a factor) or "ms" (a difference). */
  unit: 'x' | 'ms';
  limit: number;
  met: boolean;
}

type Round = Record<TargetName, RunFigures>;

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The median over rounds of `value` computed within each round. */
function over(figures: GatewayFigures, key: string, value: (round: Round) => number | undefined): number {
  const runs = figures.runs[key];
  if (runs === undefined) return NaN;
  const values: number[] = [];
  for (let index = 0; index < figures.rounds; index++) {
    const round = { direct: runs.direct[index], proxy: runs.proxy[index], rlm: runs.rlm[index] } as Round;
    const computed = value(round);
    if (computed !== undefined) values.push(computed);
  }
  return values.length === 0 ? NaN : median(values);
}

const added = (target: 'proxy' | 'rlm', field: 'p50Ms' | 'firstContentP50Ms') => (round: Round) =>
  (round[target][field] ?? NaN) - (round.direct[field] ?? NaN);

/**
 * Every factor is paired: the ratio is taken within each round (rlm and its reference ran next to
 * each other, minutes apart from the other rounds) and the goal reads the median of those ratios.
 * On a shared machine the speed drifts between rounds by more than the gaps measured (the proxy's
 * own CPU per request moved 0.43-0.74 ms between runs of one build), and a ratio of two
 * medians taken over different rounds mixes that drift in; a round whose reference is not
 * positive (an "added" lost in the noise) gives no ratio and is left out.
 */
export function evaluateGoals(figures: GatewayFigures): Goal[] {
  const factor = (goal: string, key: string, rlm: (round: Round) => number, reference: (round: Round) => number, limit: number, atMost: boolean): Goal => {
    const ratio = over(figures, key, (round) => {
      const base = reference(round);
      const value = rlm(round);
      return base > 0 && Number.isFinite(value) ? value / base : undefined;
    });
    if (!Number.isFinite(ratio)) return { goal, ratio: NaN, unit: 'x', limit, met: false };
    return { goal, ratio: round(ratio, 2), unit: 'x', limit, met: atMost ? ratio <= limit : ratio >= limit };
  };
  const field = (target: TargetName, name: keyof RunFigures) => (round: Round) => (round[target][name] as number | undefined) ?? NaN;
  const addedGoal = (goal: string, key: string) => factor(goal, key, added('rlm', 'p50Ms'), added('proxy', 'p50Ms'), 1.25, true);
  const throughput = (key: string, label: string) => factor(`${label} req/s at least 0.8x`, key, field('rlm', 'perSecond'), field('proxy', 'perSecond'), 0.8, false);
  const firstContent = over(figures, 'stream c=1', (round) => added('rlm', 'firstContentP50Ms')(round) - added('proxy', 'firstContentP50Ms')(round));
  return [
    addedGoal('non-stream chat: added at c=1 within 1.25x of the minimal proxy', 'chat c=1'),
    addedGoal('completions (FIM stream): added at c=1 within 1.25x', 'completions c=1'),
    addedGoal('embeddings (64, miss): added at c=1 within 1.25x', 'embed miss c=1'),
    throughput('chat c=32', 'non-stream chat c=32:'),
    throughput('chat c=128', 'non-stream chat c=128:'),
    throughput('stream c=32', 'streaming chat c=32:'),
    throughput('stream c=128', 'streaming chat c=128:'),
    factor('hop CPU per request (non-stream c=32) within 1.5x', 'chat c=32', field('rlm', 'hopCpuMs'), field('proxy', 'hopCpuMs'), 1.5, true),
    { goal: 'streaming: first content added within 0.5 ms of the minimal proxy', ratio: round(firstContent, 2), unit: 'ms', limit: 0.5, met: firstContent <= 0.5 },
    factor('embeddings (64), full cache hit: at most 1.1x straight to Ollama', 'embed hit c=1', field('rlm', 'p50Ms'), field('direct', 'p50Ms'), 1.1, true),
    factor('embeddings (64), miss: at most 1.1x the plain relay', 'embed miss c=1', field('rlm', 'p50Ms'), field('proxy', 'p50Ms'), 1.1, true),
  ];
}

export function formatGatewayReport(figures: GatewayFigures, goals: Goal[]): string {
  const of = (key: string, target: TargetName, field: keyof RunFigures) => over(figures, key, (round) => round[target][field] as number | undefined);
  const rows: string[][] = [];
  const row = (label: string, direct: number | undefined, proxy: number, rlm: number, unit: string, digits = 2): void => {
    rows.push([label, direct === undefined ? '' : `${format(direct, digits)}${unit}`, `${format(proxy, digits)}${unit}`, `${format(rlm, digits)}${unit}`, `${format(rlm / proxy, 2)}x`]);
  };
  const latency = (label: string, key: string, field: 'p50Ms' | 'firstContentP50Ms'): void => {
    row(`${label}, p50`, of(key, 'direct', field), of(key, 'proxy', field), of(key, 'rlm', field), ' ms');
    row(`${label}, added`, undefined, over(figures, key, added('proxy', field)), over(figures, key, added('rlm', field)), ' ms');
  };
  latency('non-stream chat c=1', 'chat c=1', 'p50Ms');
  for (const key of ['chat c=32', 'chat c=128']) row(`non-stream chat req/s ${key.slice(5)}`, of(key, 'direct', 'perSecond'), of(key, 'proxy', 'perSecond'), of(key, 'rlm', 'perSecond'), '', 0);
  row('hop CPU ms per request, non-stream c=32', undefined, of('chat c=32', 'proxy', 'hopCpuMs'), of('chat c=32', 'rlm', 'hopCpuMs'), ' ms', 3);
  latency('streaming (20 chunks) first content c=1', 'stream c=1', 'firstContentP50Ms');
  for (const key of ['stream c=32', 'stream c=128']) row(`streaming req/s ${key.slice(7)}`, of(key, 'direct', 'perSecond'), of(key, 'proxy', 'perSecond'), of(key, 'rlm', 'perSecond'), '', 0);
  row('hop CPU ms per request, streaming c=32', undefined, of('stream c=32', 'proxy', 'hopCpuMs'), of('stream c=32', 'rlm', 'hopCpuMs'), ' ms', 3);
  latency('completions FIM stream c=1', 'completions c=1', 'p50Ms');
  latency('embeddings 64 inputs, miss', 'embed miss c=1', 'p50Ms');
  row('embeddings 64 inputs, cache hit, p50', of('embed hit c=1', 'direct', 'p50Ms'), of('embed hit c=1', 'proxy', 'p50Ms'), of('embed hit c=1', 'rlm', 'p50Ms'), ' ms');

  const errors = Object.entries(figures.runs).flatMap(([key, targets]) =>
    Object.entries(targets).flatMap(([target, runs]) => {
      const count = runs.reduce((sum, run) => sum + run.errors, 0);
      return count > 0 ? [`${key} ${target}: ${count}`] : [];
    }),
  );
  const header = ['', 'simulator directly', 'minimal proxy', 'rlm', 'rlm ÷ proxy'];
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((cells) => (cells[column] ?? '').length)));
  const line = (cells: string[]): string => `  ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join('   ')}`;
  const goalLines = goals.map((goal) => {
    const value = !Number.isFinite(goal.ratio)
      ? `no ratio: the reference is not positive in any round (limit ${goal.limit}${goal.unit === 'x' ? 'x' : ' ms'})`
      : goal.unit === 'x' ? `${format(goal.ratio, 2)}x (limit ${goal.limit}x)` : `${format(goal.ratio, 2)} ms (limit ${goal.limit} ms)`;
    return `  ${goal.met ? 'met    ' : 'NOT MET'}  ${goal.goal}: ${value}`;
  });
  return [
    `Gateway: rlm's pass-through beside a minimal translating proxy (medians of ${figures.rounds} interleaved rounds; throughput runs ${figures.durationMs / 1000} s each)`,
    `  ${figures.note}`,
    line(header),
    ...rows.map(line),
    errors.length > 0 ? `  failed requests: ${errors.join(', ')}` : '  no failed requests',
    'Goals (issue 11; each ratio the median of the ratios within each round):',
    ...goalLines,
    '',
  ].join('\n');
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function format(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';
}
