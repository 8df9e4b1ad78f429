import { afterEach, beforeEach, describe, it, expect, vi } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeRun } from '../../src/orchestrator/loop/run-summary.js';
import { newRunId } from '../../src/orchestrator/service/run-id.js';
import { createTraceStore, defaultDataDir, readTraceFile } from '../../src/orchestrator/traces/trace-store.js';
import type { TraceStore } from '../../src/orchestrator/traces/trace-store.js';
import { hashJson } from '../../src/utils/hash.js';
import type { AttemptRecord, RunHeader } from '../../src/types/attempt.js';

type AttemptFields = Omit<AttemptRecord, 'type' | 'runId' | 'seq' | 'prevHash' | 'hash'>;

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rlm-trace-store-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function storeAt(now = NOW, retentionDays = 0): TraceStore {
  return createTraceStore({ dataDir, retentionDays, now: () => now });
}

/** Distinct, predictable random parts: aaaaaaa0, aaaaaaa1, … */
function counterSuffix(): () => string {
  let next = 0;
  return () => `aaaaaaa${(next++).toString(36)}`;
}

function headerFields(runId: string): Omit<RunHeader, 'type' | 'prevHash' | 'hash'> {
  const request = { model: 'rlm-default', messages: [{ role: 'user', content: `question for ${runId}` }] };
  return {
    runId,
    startedAt: '2026-11-24T12:00:00.000Z',
    profile: 'default',
    requestedModel: 'rlm-default',
    request,
    requestHash: hashJson(request),
  };
}

function attemptFields(attemptId: string, content = `draft ${attemptId}`): AttemptFields {
  return {
    attemptId,
    parentAttemptId: null,
    stage: 'generate',
    tier: 0,
    model: 'qwen3:4b',
    name: null,
    promptName: 'generate',
    promptHash: null,
    inputHash: hashJson({ attemptId }),
    output: { content, data: { note: 'ünïcode ✓' } },
    verdict: null,
    issues: [],
    verdictProbability: null,
    tokens: { prompt: 10, completion: 5 },
    durations: { total_ns: 1, load_ns: 0, prompt_eval_ns: 0, eval_ns: 1 },
    startedAt: '2026-11-24T12:00:01.000Z',
    durationMs: 3,
    cacheHit: false,
    error: null,
  };
}

/** Writes a closed run with `count` attempts att-0, att-1, … and returns its file path. */
async function writeRun(store: TraceStore, runId: string, count: number): Promise<string> {
  const writer = await store.startRun(headerFields(runId));
  for (let index = 0; index < count; index++) await writer.append(attemptFields(`att-${index}`));
  await writer.close();
  return fileOf(runId);
}

function fileOf(runId: string): string {
  const day = `${runId.slice(4, 8)}-${runId.slice(8, 10)}-${runId.slice(10, 12)}`;
  return join(dataDir, 'runs', day, `${runId}.jsonl`);
}

async function rewriteLines(path: string, change: (lines: string[]) => string[]): Promise<void> {
  const lines = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
  await writeFile(path, change(lines).map((line) => `${line}\n`).join(''));
}

const RUN_ID = 'run-20261124T120000Z-abcdefgh';

describe('trace store: each run file made ahead', () => {
  const dayDirectory = (): string => join(dataDir, 'runs', '2026-11-24');
  const RUN_IDS = ['run-20261124T120000Z-aaaaaaa1', 'run-20261124T120000Z-aaaaaaa2', 'run-20261124T120000Z-aaaaaaa3'];

  it('a run found by its name has its header; the next run takes the spare made meanwhile, which no reader counts as a run', async () => {
    const store = storeAt();
    const inodes: number[] = [];
    for (const runId of RUN_IDS) {
      const writer = await store.startRun(headerFields(runId));
      // As soon as admission returns, the name is there, with the header in it.
      const [first] = readFileSync(fileOf(runId), 'utf8').split('\n');
      expect(JSON.parse(first as string)).toMatchObject({ type: 'run', runId });
      inodes.push(statSync(fileOf(runId)).ino);
      await writer.append(attemptFields('att-0'));
      await writer.close();
    }
    const names = await readdir(dayDirectory());
    const spares = names.filter((name) => name.startsWith('.spare-'));
    expect(names.filter((name) => name.endsWith('.jsonl')).sort()).toEqual(RUN_IDS.map((runId) => `${runId}.jsonl`));
    // One spare waits for the next run; the ones the runs took are no longer linked under their spare names.
    expect(spares).toHaveLength(1);
    const spare = statSync(join(dayDirectory(), spares[0] as string));
    expect(spare.size).toBe(0);
    expect(inodes.map((ino) => statSync(join(dayDirectory(), spares[0] as string)).ino !== ino)).toEqual([true, true, true]);
    for (const runId of RUN_IDS) expect(statSync(fileOf(runId)).nlink).toBe(1);

    const next = 'run-20261124T120001Z-aaaaaaa4';
    await writeRun(store, next, 1);
    expect(statSync(fileOf(next)).ino).toBe(spare.ino);
    expect((await store.list({ limit: 10 })).runs).toHaveLength(4);
    expect(await store.verifyAll()).toMatchObject({ runs: 4, problems: [] });
  });

  it('spares left by processes that are gone are removed when a spare is next made in their directory; a live one is kept', async () => {
    await mkdir(dayDirectory(), { recursive: true });
    const gone = '.spare-4000001-aaaaaaaaaaaa';
    const live = '.spare-4000002-bbbbbbbbbbbb';
    for (const name of [gone, live]) await writeFile(join(dayDirectory(), name), '');
    const store = createTraceStore({ dataDir, retentionDays: 0, now: () => NOW, liveness: { pid: 7, bootTime: 0, isAlive: (pid) => pid === 4_000_002 } });
    await writeRun(store, RUN_IDS[0] as string, 1);
    await vi.waitFor(async () => expect(await readdir(dayDirectory())).not.toContain(gone));
    const names = await readdir(dayDirectory());
    expect(names).toContain(live);
    expect(names.filter((name) => name.startsWith('.spare-') && name !== live)).toHaveLength(1); // this process's own
    expect(await store.verifyAll()).toMatchObject({ runs: 1, problems: [] });
  });

  it('where hard links cannot be made, each run makes its own file and no spare is kept', async () => {
    const fs = createRequire(import.meta.url)('node:fs') as { linkSync: (...args: unknown[]) => void };
    const store = storeAt();
    await writeRun(store, RUN_IDS[0] as string, 1);
    const original = fs.linkSync;
    fs.linkSync = () => {
      throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    };
    syncBuiltinESMExports();
    try {
      await writeRun(store, RUN_IDS[1] as string, 1);
      await writeRun(store, RUN_IDS[2] as string, 2);
    } finally {
      fs.linkSync = original;
      syncBuiltinESMExports();
    }
    const names = await readdir(dayDirectory());
    expect(names.sort()).toEqual(RUN_IDS.map((runId) => `${runId}.jsonl`));
    expect((await store.get(RUN_IDS[2] as string))?.attempts).toHaveLength(2);
    expect(await store.verifyAll()).toMatchObject({ runs: 3, problems: [] });
  });

  it('a run id already taken fails with EEXIST through the spare too, and the next run still gets a file', async () => {
    const store = storeAt();
    await writeRun(store, RUN_IDS[0] as string, 1);
    await expect(store.startRun(headerFields(RUN_IDS[0] as string))).rejects.toMatchObject({ code: 'EEXIST' });
    expect((await store.get(RUN_IDS[0] as string))?.attempts).toHaveLength(1);
    await writeRun(store, RUN_IDS[1] as string, 2);
    expect((await store.get(RUN_IDS[1] as string))?.attempts).toHaveLength(2);
    expect(await store.verifyAll()).toMatchObject({ runs: 2, problems: [] });
  });
});

describe('trace store: runs a crash cut off read as interrupted', () => {
  const BOOT = Date.parse('2026-11-24T00:00:00Z');
  const OTHER_PID = 4_000_001;
  /** A store for a process with id 7, on a machine booted at BOOT, where only `alive` pids exist. */
  const storeFor = (alive: number[]) => createTraceStore({ dataDir, retentionDays: 0, liveness: { pid: 7, bootTime: BOOT, isAlive: (pid) => alive.includes(pid) } });

  /** A trace with no finish record, as a process `pid` that then died would have left it. */
  async function leftBy(pid: number | undefined, startedAt = '2026-11-24T12:00:00.000Z'): Promise<void> {
    const fields = { ...headerFields(RUN_ID), startedAt };
    const header = { type: 'run', ...fields, ...(pid === undefined ? {} : { pid }), prevHash: null };
    await mkdir(join(dataDir, 'runs', '2026-11-24'), { recursive: true });
    await writeFile(fileOf(RUN_ID), `${JSON.stringify({ ...header, hash: hashJson(header) })}\n`);
  }
  const statusOf = async (store: TraceStore) => summarizeRun((await store.get(RUN_ID))!).status;

  it('a run being written by this process is running, to any store', async () => {
    const writer = await storeFor([]).startRun(headerFields(RUN_ID));
    await writer.append(attemptFields('att-0'));
    expect(await statusOf(storeFor([]))).toBe('running');
    expect((await storeFor([]).list({ limit: 5 })).runs.map((run) => summarizeRun(run).status)).toEqual(['running']);
    await writer.close();
    expect(await statusOf(storeFor([]))).toBe('interrupted');
  });

  it('another process that is alive is still writing it; one that is gone left it interrupted', async () => {
    await leftBy(OTHER_PID);
    expect(await statusOf(storeFor([OTHER_PID]))).toBe('running');
    expect(await statusOf(storeFor([]))).toBe('interrupted');
    expect((await storeFor([]).list({ limit: 5 })).runs.map((run) => summarizeRun(run).status)).toEqual(['interrupted']);
  });

  it('this process id, no process id, or a start before the machine booted: interrupted', async () => {
    await leftBy(7);
    expect(await statusOf(storeFor([7]))).toBe('interrupted');
    await rm(fileOf(RUN_ID));
    await leftBy(undefined);
    expect(await statusOf(storeFor([]))).toBe('interrupted');
    await rm(fileOf(RUN_ID));
    await leftBy(OTHER_PID, '2026-11-23T23:00:00.000Z');
    expect(await statusOf(storeFor([OTHER_PID]))).toBe('interrupted');
  });

  it('a finished run is never interrupted', async () => {
    const writer = await storeFor([]).startRun(headerFields(RUN_ID));
    await writer.append({ ...attemptFields('att-0'), stage: 'finish', name: 'completed' });
    await writer.close();
    expect(await statusOf(storeFor([]))).toBe('completed');
    expect((await storeFor([]).get(RUN_ID))?.interrupted).toBeUndefined();
  });
});

describe('trace store: writing and reading a run', () => {
  it('writes one JSON line per record, header first, and reads the run back equal', async () => {
    const store = storeAt();
    const writer = await store.startRun(headerFields(RUN_ID));
    const appended = [];
    for (let index = 0; index < 4; index++) appended.push(await writer.append(attemptFields(`att-${index}`)));
    await writer.close();

    expect(appended.map((record) => record.seq)).toEqual([0, 1, 2, 3]);
    expect(writer.attempts).toEqual(appended);
    expect(Object.isFrozen(appended[2])).toBe(true);
    const expectedText = [writer.header, ...appended].map((record) => `${JSON.stringify(record)}\n`).join('');
    expect(await readFile(fileOf(RUN_ID), 'utf8')).toBe(expectedText);

    // Closed without a finish record, the run can never finish: it reads back as interrupted.
    expect(await store.get(RUN_ID)).toEqual({ header: writer.header, attempts: appended, interrupted: true });
    expect(writer.header.pid).toBe(process.pid);
    // Not in flight and never to finish: incomplete (the run's last records may have been cut off).
    expect(await store.verifyAll()).toEqual({ files: 1, runs: 1, records: 5, tornLines: 0, problems: [], incomplete: [expect.objectContaining({ kind: 'interrupted', runId: RUN_ID })] });
  });

  it('keeps concurrent appends in call order with a valid chain', async () => {
    const store = storeAt();
    const writer = await store.startRun(headerFields(RUN_ID));
    const ids = Array.from({ length: 25 }, (_, index) => `att-${index}`);
    const records = await Promise.all(ids.map((id) => writer.append(attemptFields(id))));
    await writer.close();

    expect(records.map((record) => record.attemptId)).toEqual(ids);
    expect(records.map((record) => record.seq)).toEqual(ids.map((_, index) => index));
    const trace = await store.get(RUN_ID);
    expect(trace?.attempts.map((record) => record.attemptId)).toEqual(ids);
    expect((await store.verifyAll()).problems).toEqual([]);
  });

  it('rejects one bad append without breaking the chain for the next', async () => {
    const store = storeAt();
    const writer = await store.startRun(headerFields(RUN_ID));
    const bad = writer.append({ ...attemptFields('att-bad'), durationMs: Number.NaN });
    const good = writer.append(attemptFields('att-good'));
    await expect(bad).rejects.toThrow(TypeError);
    expect((await good).seq).toBe(0);
    await writer.close();
    expect((await store.verifyAll()).problems).toEqual([]);
  });

  it('refuses appends after close, and close can be called twice', async () => {
    const store = storeAt();
    const writer = await store.startRun(headerFields(RUN_ID));
    const pending = writer.append(attemptFields('att-0'));
    await Promise.all([writer.close(), writer.close()]);
    expect((await pending).seq).toBe(0);
    await expect(writer.append(attemptFields('att-1'))).rejects.toThrow(/closed/);
    expect((await store.get(RUN_ID))?.attempts).toHaveLength(1);
  });

  it('never lets two runs share one file', async () => {
    const store = storeAt();
    await writeRun(store, RUN_ID, 1);
    await expect(store.startRun(headerFields(RUN_ID))).rejects.toMatchObject({ code: 'EEXIST' });
    expect((await store.get(RUN_ID))?.attempts).toHaveLength(1);
  });

  it('refuses to start a run whose id is not a run id', async () => {
    await expect(storeAt().startRun(headerFields('../escape'))).rejects.toThrow(TypeError);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('returns undefined for an unknown run and for ids that could escape the data dir', async () => {
    const store = storeAt();
    await writeRun(store, RUN_ID, 1);
    await writeFile(join(dataDir, 'secret.jsonl'), 'not yours\n');
    for (const runId of [
      'run-20261124T120000Z-zzzzzzzz',
      '../secret',
      '../../secret',
      `${RUN_ID}/../../../secret`,
      `../runs/2026-11-24/${RUN_ID}`,
      '/etc/passwd',
      '',
      '.',
    ]) {
      expect(await store.get(runId)).toBeUndefined();
    }
  });

  it('treats a missing data dir as empty', async () => {
    const store = createTraceStore({ dataDir: join(dataDir, 'not-there'), retentionDays: 3 });
    expect(await store.get(RUN_ID)).toBeUndefined();
    expect(await store.list({ limit: 10 })).toEqual({ runs: [], next: null });
    expect(await store.verifyAll()).toEqual({ files: 0, runs: 0, records: 0, tornLines: 0, problems: [] });
    expect(await store.prune()).toBe(0);
  });
});

describe('trace store: list', () => {
  it('pages newest first with a cursor across two days', async () => {
    const store = storeAt();
    const random = counterSuffix();
    const times = [NOW - DAY_MS, NOW - DAY_MS + 1000, NOW - DAY_MS + 2000, NOW, NOW + 1000];
    const runIds = times.map((time) => newRunId(time, random));
    for (const runId of runIds) await writeRun(store, runId, 1);
    const newestFirst = [...runIds].reverse();

    const first = await store.list({ limit: 2 });
    expect(first.runs.map((run) => run.header.runId)).toEqual(newestFirst.slice(0, 2));
    expect(first.next).toBe(newestFirst[1]);

    const second = await store.list({ limit: 2, before: first.next! });
    expect(second.runs.map((run) => run.header.runId)).toEqual(newestFirst.slice(2, 4));
    expect(second.runs[0]?.attempts).toHaveLength(1);
    expect(second.next).toBe(newestFirst[3]);

    const third = await store.list({ limit: 2, before: second.next! });
    expect(third.runs.map((run) => run.header.runId)).toEqual(newestFirst.slice(4));
    expect(third.next).toBeNull();

    const exact = await store.list({ limit: 5 });
    expect(exact.runs.map((run) => run.header.runId)).toEqual(newestFirst);
    expect(exact.next).toBeNull();
  });

  it('refuses a limit that is not a positive integer', async () => {
    await expect(storeAt().list({ limit: 0 })).rejects.toThrow(RangeError);
    await expect(storeAt().list({ limit: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe('trace store: damage', () => {
  it('reports a tampered line with its file and line', async () => {
    const store = storeAt();
    const path = await writeRun(store, RUN_ID, 4);
    await rewriteLines(path, (lines) => lines.map((line, index) => (index === 2 ? line.replace('"draft att-1"', '"draft forged"') : line)));
    const changed = JSON.parse((await readFile(path, 'utf8')).split('\n')[2]!) as AttemptRecord;
    expect(changed.output?.content).toBe('draft forged');

    const report = await store.verifyAll();
    expect(report.problems).toEqual([
      {
        file: path,
        line: 3,
        runId: RUN_ID,
        problem: 'record 2 (attempt att-1): hash does not match its content (changed after it was written)',
      },
    ]);
  });

  it('skips a torn last line on read and counts it as torn, not as a problem', async () => {
    const store = storeAt();
    const path = await writeRun(store, RUN_ID, 3);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, text.length - 40));

    const trace = await store.get(RUN_ID);
    expect(trace?.attempts.map((record) => record.attemptId)).toEqual(['att-0', 'att-1']);
    expect(await store.verifyAll()).toEqual({ files: 1, runs: 1, records: 3, tornLines: 1, problems: [], incomplete: [expect.objectContaining({ kind: 'interrupted', runId: RUN_ID })] });
  });

  it('treats a file holding only a torn header as a crash before the run began', async () => {
    const store = storeAt();
    const path = await writeRun(store, RUN_ID, 0);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, 25));
    expect(await store.get(RUN_ID)).toBeUndefined();
    expect(await store.list({ limit: 5 })).toEqual({ runs: [], next: null });
    expect(await store.verifyAll()).toEqual({ files: 1, runs: 0, records: 0, tornLines: 1, problems: [] });
  });

  it('reports a deleted middle line as a broken chain', async () => {
    const store = storeAt();
    const path = await writeRun(store, RUN_ID, 4);
    await rewriteLines(path, (lines) => lines.filter((_, index) => index !== 2));

    const { problems } = await store.verifyAll();
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((problem) => problem.file === path && problem.line === 3 && problem.runId === RUN_ID)).toBe(true);
    expect(problems.map((problem) => problem.problem)).toContain(
      "record 2 (attempt att-2): prevHash is not record 1's hash (a record was removed, inserted or rewritten before it)",
    );
  });

  it('reports an unreadable line that is not the last one', async () => {
    const store = storeAt();
    const path = await writeRun(store, RUN_ID, 3);
    await rewriteLines(path, (lines) => lines.map((line, index) => (index === 1 ? line.slice(0, 30) : line)));

    const report = await store.verifyAll();
    expect(report.tornLines).toBe(0);
    expect(report.problems[0]).toMatchObject({ file: path, line: 2, problem: expect.stringMatching(/not a trace record/) });
  });

  it('reports a run file moved to another name', async () => {
    const store = storeAt();
    const path = await writeRun(store, RUN_ID, 1);
    const otherId = 'run-20261124T120000Z-bbbbbbbb';
    await writeFile(fileOf(otherId), await readFile(path, 'utf8'));
    const { problems } = await store.verifyAll();
    expect(problems).toEqual([
      { file: fileOf(otherId), line: 0, runId: RUN_ID, problem: `the file 2026-11-24/${otherId}.jsonl holds run ${RUN_ID} (renamed or moved)` },
    ]);
  });
});

describe('trace store: prune', () => {
  it('deletes only day dirs entirely older than retentionDays', async () => {
    const writerStore = storeAt();
    const days = [0, 6, 7, 8, 30].map((age) => newRunId(NOW - age * DAY_MS, () => `aaaaaa${age.toString().padStart(2, '0')}`));
    for (const runId of days) await writeRun(writerStore, runId, 1);
    await writeRun(writerStore, newRunId(NOW - 8 * DAY_MS + 1000, () => 'bbbbbbbb'), 1);

    expect(await storeAt(NOW, 0).prune()).toBe(0);
    expect(await storeAt(NOW, 7).prune()).toBe(3);
    expect((await readdir(join(dataDir, 'runs'))).sort()).toEqual(['2026-11-17', '2026-11-18', '2026-11-24']);
    expect(await storeAt(NOW, 7).prune()).toBe(0);
  });

  it('leaves directories that are not day dirs alone', async () => {
    await mkdir(join(dataDir, 'runs', 'notes'), { recursive: true });
    expect(await storeAt(NOW, 1).prune()).toBe(0);
    expect(await readdir(join(dataDir, 'runs'))).toEqual(['notes']);
  });

  it('refuses a negative retention', () => {
    expect(() => createTraceStore({ dataDir, retentionDays: -1 })).toThrow(RangeError);
  });
});

describe('readTraceFile', () => {
  const line = (value: unknown): string => `${JSON.stringify(value)}\n`;
  const header = { type: 'run', runId: RUN_ID, prevHash: null, hash: 'h' };

  it('reads records and tolerates a missing final newline', () => {
    expect(readTraceFile(line(header).trimEnd())).toEqual({ records: [header], torn: false, badLines: [] });
    expect(readTraceFile('')).toEqual({ records: [], torn: false, badLines: [] });
  });

  it('marks an unparsable last line torn and any other bad line bad', () => {
    expect(readTraceFile(`${line(header)}{"type":"att`)).toEqual({ records: [header], torn: true, badLines: [] });
    expect(readTraceFile(`${line(header)}{"type":"att\n${line(header)}`)).toMatchObject({ torn: false, badLines: [2] });
  });

  it('counts valid JSON that is not a record as bad even on the last line (a crash cannot write it)', () => {
    expect(readTraceFile(`${line(header)}${line({ type: 'other' })}`)).toEqual({ records: [header], torn: false, badLines: [2] });
  });
});

describe('defaultDataDir', () => {
  it('prefers RLM_DATA_DIR and falls back to ~/.rlm', () => {
    expect(defaultDataDir({ RLM_DATA_DIR: '/srv/rlm' })).toBe('/srv/rlm');
    expect(defaultDataDir({})).toMatch(/[\\/]\.rlm$/);
    expect(defaultDataDir({ RLM_DATA_DIR: '' })).toMatch(/[\\/]\.rlm$/);
  });
});
