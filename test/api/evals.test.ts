/**
 * GET /v1/rlm/evals and /v1/rlm/evals/{id}: the stored eval reports newest first and paged, one
 * report's tables and charts, the charts as sandboxed SVG with every name escaped, and the damaged,
 * foreign and missing cases. Also the calibrations in GET /v1/rlm/profiles.
 */
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportFileProblem } from '../../src/api/rlm/eval-reports.js';
import { startStack, type Stack } from '../support/stack.js';
import { taskResults, writeEvalReport, writeProfileCalibration } from '../ui/eval-fixtures.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ rlmConfig: { profiles: { rlm: { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b' } } } });
});
afterAll(async () => {
  await stack.close();
});

interface ListAnswer {
  data: { id: string; error?: string }[];
  next: string | null;
  total: number;
}
interface DetailAnswer {
  summary: { columns: string[]; rows: string[][] };
  bySuite: { columns: string[] };
  charts: { url: string }[];
  text: string;
}
interface ErrorAnswer {
  error: { code: string };
}

const get = async <Body = string>(path: string): Promise<{ status: number; headers: Headers; body: Body }> => {
  const response = await fetch(`${stack.url}${path}`);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // an SVG
  }
  return { status: response.status, headers: response.headers, body: body as Body };
};

describe('eval reports, before any exists', () => {
  it('lists none', async () => {
    const { status, body } = await get<ListAnswer>('/v1/rlm/evals');
    expect(status).toBe(200);
    expect(body).toEqual({ object: 'list', data: [], next: null, total: 0 });
  });
});

describe('eval reports on disk', () => {
  const hostile = '<img src=x onerror="alert(1)">';
  beforeAll(async () => {
    await writeEvalReport(stack.dataDir, 'aaaaaaaaaaa1', taskResults(), Date.UTC(2026, 10, 1));
    await writeEvalReport(stack.dataDir, 'aaaaaaaaaaa2', taskResults({ model: hostile }), Date.UTC(2026, 10, 3));
    await writeEvalReport(stack.dataDir, 'aaaaaaaaaaa3', taskResults({ profile: 'other' }), Date.UTC(2026, 10, 2));
    // Not an eval directory name, and a damaged report.
    await mkdir(join(stack.dataDir, 'eval', 'notes'), { recursive: true });
    await writeFile(join(stack.dataDir, 'eval', 'notes', 'report.json'), '{}');
    await mkdir(join(stack.dataDir, 'eval', 'bbbbbbbbbbb1'), { recursive: true });
    await writeFile(join(stack.dataDir, 'eval', 'bbbbbbbbbbb1', 'report.json'), JSON.stringify({ taskHash: 'x', tasks: 1, report: { suites: [], targets: [{ kind: 'model', name: 'm' }] } }));
    await utimes(join(stack.dataDir, 'eval', 'bbbbbbbbbbb1', 'report.json'), Date.UTC(2026, 9, 1) / 1000, Date.UTC(2026, 9, 1) / 1000);
  });

  it('lists them newest first, a page at a time, a damaged one with what is wrong', async () => {
    const first = await get<ListAnswer>('/v1/rlm/evals?limit=2');
    expect(first.body.total).toBe(4);
    expect(first.body.data.map((row: { id: string }) => row.id)).toEqual(['aaaaaaaaaaa2', 'aaaaaaaaaaa3']);
    expect(first.body.data[0]).toMatchObject({ writtenAt: '2026-11-03T00:00:00.000Z', tasks: 20, suites: ['arithmetic', 'facts'], targets: [{ kind: 'model', name: hostile }, { kind: 'profile', name: 'rlm' }] });
    expect(first.body.next).toBe('aaaaaaaaaaa3');
    const second = await get<ListAnswer>(`/v1/rlm/evals?limit=2&before=${first.body.next}`);
    expect(second.body.data.map((row: { id: string }) => row.id)).toEqual(['aaaaaaaaaaa1', 'bbbbbbbbbbb1']);
    expect(second.body.next).toBeNull();
    expect(second.body.data[1]?.error).toContain('report.targets[0]: tasks and failed must be counts');
    expect((await get('/v1/rlm/evals?limit=0')).status).toBe(400);
    expect((await get('/v1/rlm/evals?before=zzz')).status).toBe(400);
  });

  it('gives one report as table cells, with its charts', async () => {
    const { status, body } = await get<DetailAnswer>('/v1/rlm/evals/aaaaaaaaaaa1');
    expect(status).toBe(200);
    expect(body.summary.columns[0]).toBe('target');
    expect(body.summary.rows.map((row: string[]) => row.slice(0, 3))).toEqual([
      ['llama3.2', 'model', '20'],
      ['rlm', 'profile', '20'],
    ]);
    expect(body.bySuite.columns).toEqual(['target', 'arithmetic', 'facts']);
    expect(body.charts.map((chart: { url: string }) => chart.url)).toEqual(['/v1/rlm/evals/aaaaaaaaaaa1/accuracy-cost.svg', '/v1/rlm/evals/aaaaaaaaaaa1/reliability-1.svg']);
    expect(body.text).toContain('Accuracy by suite');
  });

  it('serves a chart as sandboxed SVG with the names escaped', async () => {
    const chart = await get('/v1/rlm/evals/aaaaaaaaaaa2/accuracy-cost.svg');
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(chart.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(chart.headers.get('content-security-policy')).toContain('sandbox');
    expect(chart.headers.get('x-content-type-options')).toBe('nosniff');
    expect(chart.body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(chart.body).not.toContain('<img');
    expect(chart.body).toContain('&#60;img src=x onerror=&#34;alert(1)&#34;&#62;');
    expect((await get('/v1/rlm/evals/aaaaaaaaaaa2/reliability-1.svg')).status).toBe(200);
    // The model target has no confidences, so no reliability diagram.
    expect((await get('/v1/rlm/evals/aaaaaaaaaaa2/reliability-0.svg')).status).toBe(404);
    expect((await get('/v1/rlm/evals/aaaaaaaaaaa2/report.html')).status).toBe(404);
  });

  it('answers a missing, malformed or damaged report', async () => {
    expect((await get<ErrorAnswer>('/v1/rlm/evals/cccccccccccc')).body.error.code).toBe('eval_not_found');
    expect((await get('/v1/rlm/evals/..%2F..%2Ftrace-key')).status).toBe(404);
    expect((await get('/v1/rlm/evals/notes')).status).toBe(404);
    const damaged = await get<ErrorAnswer>('/v1/rlm/evals/bbbbbbbbbbb1');
    expect([damaged.status, damaged.body.error.code]).toEqual([500, 'eval_report_damaged']);
  });
});

describe('what makes a file not a report', () => {
  it('refuses a chart number that is a string, so it never reaches the SVG', () => {
    const target = { kind: 'profile', name: 'p', tasks: 1, failed: 0, callsPerRequest: 1, tokensPerRequest: 1, wallMsP50: 1, wallMsP95: 1, suites: [] };
    const proportion = { successes: 1, trials: 1, estimate: 1, low: 0.2, high: 1 };
    const good = { ...target, accuracy: proportion, approved: proportion, escalated: proportion, falseApproval: proportion, falseRejection: proportion, confidence: { count: 1, brier: 0, ece: 0, auroc: null, bins: [{ low: 0.9, high: 1, count: 1, meanProbability: 0.95, accuracy: 1 }] } };
    const file = (targets: unknown[]) => ({ taskHash: 'h', tasks: 1, report: { suites: [], targets } });
    expect(reportFileProblem(file([good]))).toBeUndefined();
    const bad = { ...good, confidence: { ...good.confidence, bins: [{ low: 0.9, high: 1, count: '<script>', meanProbability: 0.95, accuracy: 1 }] } };
    expect(reportFileProblem(file([bad]))).toBe('report.targets[0]: confidence.bins[0]: low, high and count must be numbers');
  });
});

describe('calibrations on the models view', () => {
  it('lists each profile with its stored calibration, or none', async () => {
    expect((await get<{ calibrations: unknown }>('/v1/rlm/profiles')).body.calibrations).toEqual({ rlm: null });
    await writeProfileCalibration(stack.dataDir, 'rlm');
    expect((await get<{ calibrations: unknown }>('/v1/rlm/profiles')).body.calibrations).toEqual({
      rlm: { fittedAt: '2026-12-01T10:00:00.000Z', answers: 120, accuracy: 0.6, taskHash: 'abcdef0123456789', models: ['qwen2.5:0.5b', 'llama3.2'] },
    });
  });
});
