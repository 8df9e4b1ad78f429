import { describe, expect, it } from 'vitest';
import { formatDuration, layoutTimeline, MIN_WIDTH, ticksFor, type TimelineAttempt } from '../../src/ui/timeline-layout.js';

const start = '2026-12-03T10:00:00.000Z';
const at = (ms: number): string => new Date(Date.parse(start) + ms).toISOString();
function attempt(seq: number, stage: string, startMs: number, durationMs: number, extra: Partial<TimelineAttempt> = {}): TimelineAttempt {
  return { seq, stage, name: null, model: 'm', tier: 0, startedAt: at(startMs), durationMs, verdict: null, error: null, cacheHit: false, tokens: { prompt: 3, completion: 4 }, ...extra };
}

describe('layoutTimeline', () => {
  it('places each attempt on the run axis by its start and length', () => {
    const layout = layoutTimeline(start, [attempt(0, 'generate', 0, 500), attempt(1, 'verify', 500, 300, { verdict: 'REJECTED' }), attempt(2, 'revise', 800, 200)]);
    expect(layout.totalMs).toBe(1000);
    expect(layout.bars.map(({ left, width }) => [left, width])).toEqual([[0, 50], [50, 30], [80, 20]]);
    expect(layout.bars.map((bar) => bar.outcome)).toEqual(['work', 'rejected', 'work']);
  });

  it('gives instant checks and decisions a visible width that stays on the axis', () => {
    const layout = layoutTimeline(start, [attempt(0, 'generate', 0, 1000), attempt(1, 'check', 1000, 0, { model: null, name: 'json', verdict: 'APPROVED' })]);
    const check = layout.bars[1]!;
    expect(check.width).toBe(MIN_WIDTH);
    expect(check.left + check.width).toBeLessThanOrEqual(100);
    expect(check.outcome).toBe('passed');
  });

  it('colours by outcome: escalation, failure, a finished run', () => {
    const layout = layoutTimeline(start, [
      attempt(0, 'decision', 0, 0, { model: null, name: 'escalate' }),
      attempt(1, 'generate', 0, 10, { error: 'upstream 500' }),
      attempt(2, 'finish', 10, 0, { model: null, name: 'completed' }),
      attempt(3, 'finish', 10, 0, { model: null, name: 'aborted' }),
    ]);
    expect(layout.bars.map((bar) => bar.outcome)).toEqual(['escalated', 'failed', 'passed', 'failed']);
  });

  it('labels a bar with stage, model, tier, duration, tokens and cache hit', () => {
    const layout = layoutTimeline(start, [attempt(0, 'verify', 0, 12.4, { cacheHit: true, tier: 1 })]);
    expect(layout.bars[0]!.label).toBe('verify m (tier 1), 12 ms, 3+4 tokens, cache hit');
  });

  it('names the backend a call went to, when the run recorded one', () => {
    const layout = layoutTimeline(start, [attempt(0, 'generate', 0, 40, { backend: 'gpu-a' }), attempt(1, 'verify', 40, 10)]);
    expect(layout.bars.map((bar) => bar.label)).toEqual(['generate m on gpu-a (tier 0), 40 ms, 3+4 tokens', 'verify m (tier 0), 10 ms, 3+4 tokens']);
  });

  it('survives an empty run and a clock that went backwards', () => {
    expect(layoutTimeline(start, []).bars).toEqual([]);
    const layout = layoutTimeline(start, [attempt(0, 'generate', -50, 10)]);
    expect(layout.bars[0]!.left).toBe(0);
  });
});

describe('ticksFor', () => {
  it('marks round steps from 0 to the end, at most 7 marks', () => {
    expect(ticksFor(1000).map((tick) => tick.ms)).toEqual([0, 200, 400, 600, 800, 1000]);
    for (const total of [1, 7, 93, 1234, 60_000, 3_600_000]) {
      const ticks = ticksFor(total);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(7);
      expect(ticks.at(-1)!.left).toBeLessThanOrEqual(100 + 1e-9);
    }
  });

  it('labels one axis in one unit: ms under 10 s, seconds beyond', () => {
    expect(ticksFor(1000).map((tick) => tick.label)).toEqual(['0 ms', '200 ms', '400 ms', '600 ms', '800 ms', '1000 ms']);
    expect(ticksFor(58_961).map((tick) => tick.label)).toEqual(['0 s', '10 s', '20 s', '30 s', '40 s', '50 s']);
    expect(ticksFor(12_000).map((tick) => tick.label)).toEqual(['0 s', '2 s', '4 s', '6 s', '8 s', '10 s', '12 s']);
  });
});

describe('formatDuration', () => {
  it('reads whole ms under 10 s and seconds with a tenth beyond', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(2899.4)).toBe('2899 ms');
    expect(formatDuration(9999)).toBe('9999 ms');
    expect(formatDuration(41_936)).toBe('41.9 s');
    expect(formatDuration(60_000)).toBe('60 s');
  });
});
