import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../src/eval/metrics.js';
import { buildReport, percentile, renderReportText, type TaskResult, type TargetReport } from '../../src/eval/report.js';
import { renderReportHtml } from '../../src/eval/report-html.js';
import { escapeHtml, tickStep } from '../../src/eval/report-svg.js';

const base = { targetKind: 'model' as const, target: 'tiny', confidence: null, approved: null, escalated: false, modelCalls: 1, verdicts: [] };

const RESULTS: TaskResult[] = [
  // A profile, listed first: the report still puts models first.
  { taskId: 't1', suite: 'a', targetKind: 'profile', target: 'rlm', correct: true, confidence: 0.9, approved: true, escalated: false, modelCalls: 2, tokens: 100, wallMs: 1000, verdicts: [{ approved: true, draftCorrect: true }] },
  { taskId: 't2', suite: 'a', targetKind: 'profile', target: 'rlm', correct: false, confidence: 0.8, approved: true, escalated: false, modelCalls: 2, tokens: 120, wallMs: 1100, verdicts: [{ approved: true, draftCorrect: false }] },
  {
    taskId: 't3', suite: 'a', targetKind: 'profile', target: 'rlm', correct: true, confidence: 0.3, approved: false, escalated: true, modelCalls: 5, tokens: 300, wallMs: 3000,
    verdicts: [{ approved: false, draftCorrect: true }, { approved: false, draftCorrect: true }],
  },
  { taskId: 't4', suite: 'b', targetKind: 'profile', target: 'rlm', correct: false, confidence: 0.1, approved: false, escalated: true, modelCalls: 5, tokens: 280, wallMs: 2900, verdicts: [{ approved: false, draftCorrect: false }], error: null },
  {
    taskId: 't5', suite: 'b', targetKind: 'profile', target: 'rlm', correct: true, confidence: 0.7, approved: true, escalated: false, modelCalls: 2, tokens: 90, wallMs: 900,
    verdicts: [{ approved: false, draftCorrect: false }, { approved: true, draftCorrect: true }],
  },
  { ...base, taskId: 't1', suite: 'a', correct: true, tokens: 10, wallMs: 100 },
  { ...base, taskId: 't2', suite: 'a', correct: false, tokens: 20, wallMs: 200, error: 'backend unreachable' },
  { ...base, taskId: 't4', suite: 'b', correct: true, tokens: 30, wallMs: 300 },
  { ...base, taskId: 't5', suite: 'b', correct: true, tokens: 40, wallMs: 400 },
];

describe('buildReport', () => {
  const report = buildReport(RESULTS);
  const [model, profile] = report.targets as [TargetReport, TargetReport];

  it('orders models first, then profiles; suites as they came', () => {
    expect(report.targets.map((target) => [target.kind, target.name])).toEqual([
      ['model', 'tiny'],
      ['profile', 'rlm'],
    ]);
    expect(report.suites).toEqual(['a', 'b']);
  });

  it('single-shot: accuracy 3 of 4 in [0.3006, 0.9544], p50 200 and p95 400 by nearest rank, no verifier or confidence figures', () => {
    expect(model).toMatchObject({ tasks: 4, failed: 1, callsPerRequest: 1, tokensPerRequest: 25, wallMsP50: 200, wallMsP95: 400 });
    expect(model.accuracy).toMatchObject({ successes: 3, trials: 4, estimate: 0.75 });
    expect(model.accuracy.low).toBeCloseTo(0.3006, 4);
    expect(model.accuracy.high).toBeCloseTo(0.9544, 4);
    expect(model.escalated.estimate).toBe(0);
    expect(model.approved).toMatchObject({ trials: 0, estimate: null });
    expect(model.falseApproval).toMatchObject({ trials: 0, estimate: null });
    expect(model.confidence).toMatchObject({ count: 0, brier: null, ece: null, auroc: null });
    expect(model.suites.map((entry) => [entry.suite, entry.accuracy.estimate])).toEqual([
      ['a', 0.5],
      ['b', 1],
    ]);
  });

  it('the profile, by hand', () => {
    expect(profile).toMatchObject({ tasks: 5, failed: 0, callsPerRequest: 3.2, tokensPerRequest: 178, wallMsP50: 1100, wallMsP95: 3000 });
    expect(profile.accuracy).toMatchObject({ successes: 3, trials: 5, estimate: 0.6 });
    expect(profile.accuracy.low).toBeCloseTo((wilsonInterval(3, 5) as { low: number }).low, 12);
    expect(profile.escalated).toMatchObject({ successes: 2, trials: 5 });
    expect(profile.approved).toMatchObject({ successes: 3, trials: 5 });
    // Verify attempts on wrong drafts: t2 approved, t4 and t5's first rejected -> 1 of 3.
    expect(profile.falseApproval).toMatchObject({ successes: 1, trials: 3 });
    // On right drafts: t1 approved, t3 rejected twice, t5's second approved -> 2 of 4.
    expect(profile.falseRejection).toMatchObject({ successes: 2, trials: 4, estimate: 0.5 });
    // (0.1² + 0.8² + 0.7² + 0.1² + 0.3²) / 5 = 1.24 / 5.
    expect(profile.confidence.brier).toBeCloseTo(0.248, 12);
    // One answer per bin: (0.1 + 0.8 + 0.7 + 0.1 + 0.3) / 5.
    expect(profile.confidence.ece).toBeCloseTo(0.4, 12);
    // Right {0.9, 0.3, 0.7} against wrong {0.8, 0.1}: 4 of 6 pairs ordered.
    expect(profile.confidence.auroc).toBeCloseTo(4 / 6, 12);
    expect(profile.confidence.bins.map((bin) => bin.count)).toEqual([0, 1, 0, 1, 0, 0, 0, 1, 1, 1]);
    expect(profile.suites.map((entry) => [entry.suite, entry.accuracy.successes, entry.accuracy.trials])).toEqual([
      ['a', 2, 3],
      ['b', 1, 2],
    ]);
  });

  it('no results: no targets', () => {
    expect(buildReport([])).toEqual({ targets: [], suites: [] });
    expect(renderReportText(buildReport([]))).toBe('No results.\n');
  });
});

describe('percentile', () => {
  it('is the nearest rank', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 95)).toBe(4);
    expect(percentile(Array.from({ length: 100 }, (_, index) => index + 1), 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 0)).toThrow(RangeError);
  });
});

describe('renderReportText', () => {
  const text = renderReportText(buildReport(RESULTS));

  it('aligns its columns: every line of a table is as wide as its header', () => {
    const tables = text.split('\nAccuracy by suite\n') as [string, string];
    expect(tables[0].trimEnd().split('\n')).toHaveLength(4);
    for (const table of tables) {
      const lines = table.trimEnd().split('\n');
      for (const line of lines) expect(Array.from(line).length).toBe(Array.from(lines[0] as string).length);
    }
  });

  it('shows the figures', () => {
    expect(text).toContain('75.0 % [30.1, 95.4]');
    expect(text).toContain('4 (1 failed)');
    expect(text).toContain('33.3 % (1/3)');
    expect(text).toContain('50.0 % (2/4)');
    expect(text).toContain('0.248');
    expect(text).toContain('0.667');
    expect(text).toMatch(/^tiny +50\.0 % +100\.0 %$/m);
    expect(text).toMatch(/^rlm +66\.7 % +50\.0 %$/m);
  });
});

describe('renderReportHtml', () => {
  const hostile: TaskResult[] = [...RESULTS, { ...base, target: '<script>alert("x")</script>', suite: 'a&b', taskId: 'x', correct: true, tokens: 1, wallMs: 1 }];
  const html = renderReportHtml(buildReport(hostile), { title: 'Eval <b>report</b>', subtitle: 'seed 1 · 2026-01-01' });

  it('is one self-contained page: inline style, inline SVG, no script, no external resource', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link|\bsrc=|\bhref=|url\(|@import/i);
    // The SVG namespace is the only URL, and it is never fetched.
    expect(html.match(/https?:\/\/[^"]+/g)).toEqual(expect.arrayContaining(['http://www.w3.org/2000/svg']));
    expect(new Set(html.match(/https?:\/\/[^"]+/g))).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('escapes every text from the results and options', () => {
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(html).toContain('a&#38;b');
    expect(html).toContain('<title>Eval &#60;b&#62;report&#60;/b&#62;</title>');
    expect(html).not.toContain('<b>report</b>');
  });

  it('holds the tables and both charts: a mark per target with its error bar, a reliability diagram per target with confidences', () => {
    expect(html.match(/<table>/g)).toHaveLength(2);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('aria-label="Accuracy against model calls per request"');
    expect(html).toContain('aria-label="Reliability diagram: rlm"');
    // Two models as circles, one profile as a square (and the legend's square); five bins with one answer each.
    const costChart = html.slice(html.indexOf('<svg'), html.indexOf('</svg>'));
    expect(costChart.match(/<g class="mark">/g)).toHaveLength(3);
    expect(costChart.match(/<rect x=/g)).toHaveLength(2);
    expect(html).toContain('confidence 0.8–0.9: 1 answers, mean confidence 0.800, right 0.0 %');
    expect(html).toContain('<th scope="col">accuracy [95 % CI]</th>');
  });

  it('says so when nothing carried a confidence', () => {
    const page = renderReportHtml(buildReport(RESULTS.filter((result) => result.targetKind === 'model')));
    expect(page).toContain('No result carried a confidence');
    expect(page.match(/<svg /g)).toHaveLength(1);
  });
});

describe('chart helpers', () => {
  it('escapes the five characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });

  it('picks ticks of 1, 2 or 5 times a power of ten', () => {
    expect(tickStep(1.1)).toBe(0.5);
    expect(tickStep(3.52)).toBe(1);
    expect(tickStep(11)).toBe(5);
    expect(tickStep(0.3)).toBeCloseTo(0.1, 12);
  });
});
