/**
 * Seals: an HMAC-SHA256 of each record's hash under the key in `<data>/trace-key`. A run forged and
 * re-chained with the plain hash function, by someone who cannot read the key, fails verification.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newRunId } from '../../src/orchestrator/service/run-id.js';
import { recordHash } from '../../src/orchestrator/traces/trace-chain.js';
import { createTraceStore, type TraceStore } from '../../src/orchestrator/traces/trace-store.js';
import { hashJson, hmacSha256Hex } from '../../src/utils/hash.js';
import { tightenTree } from '../../src/utils/private-files.js';
import type { TraceRecord } from '../../src/types/attempt.js';
import { headerFields, keyFile, ledgerFile, readLines, runFile, writeRun } from './trace-fixtures.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

let dataDir: string;
beforeEach(async () => {
  dataDir = join(await mkdtemp(join(tmpdir(), 'rlm-trace-seal-')), 'data');
});
afterEach(() => rm(join(dataDir, '..'), { recursive: true, force: true }));

const store = (): TraceStore =>
  createTraceStore({ dataDir, retentionDays: 0, now: () => NOW, liveness: { pid: 7, bootTime: 0, isAlive: () => false } });
const runId = (index: number): string => newRunId(NOW + index * 1000, () => `sealed0${index}`);

/** Rewrites a run file record by record, re-chained with the project's own hash function and no key. */
async function forge(path: string, change: (record: Record<string, unknown>, index: number) => Record<string, unknown>, keepSeals: boolean): Promise<void> {
  const records = await readLines(path);
  let previous: string | null = null;
  const forged = records.map((record, index) => {
    const { seal, ...rest } = change(record, index);
    const content: Record<string, unknown> = { ...rest, prevHash: previous };
    const hash = recordHash(content as unknown as TraceRecord);
    previous = hash;
    return { ...content, hash, ...(keepSeals ? { seal } : {}) };
  });
  await writeFile(path, forged.map((record) => `${JSON.stringify(record)}\n`).join(''));
}

describe('trace seals', () => {
  it('HMAC-SHA256 matches RFC 4231 test case 1', () => {
    expect(hmacSha256Hex(Buffer.alloc(20, 0x0b), 'Hi There')).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
  });

  it('seals every record and ledger line under a key made on first use, private to the user (0600 in a 0700 directory)', async () => {
    const path = await writeRun(store(), runId(0));
    const key = Buffer.from((await readFile(keyFile(dataDir), 'utf8')).trim(), 'hex');
    expect(key).toHaveLength(32);
    for (const line of [...(await readLines(path)), ...(await readLines(ledgerFile(dataDir)))]) {
      expect(line.seal).toBe(hmacSha256Hex(key, line.hash as string));
    }
    if (process.platform !== 'win32') {
      for (const directory of [dataDir, join(dataDir, 'runs'), join(dataDir, 'runs', '2026-11-24')]) expect((await stat(directory)).mode & 0o777).toBe(0o700);
      for (const file of [keyFile(dataDir), ledgerFile(dataDir), path]) expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
    // A second run, from another store, keeps the same key.
    await writeRun(store(), runId(1));
    expect(Buffer.from((await readFile(keyFile(dataDir), 'utf8')).trim(), 'hex')).toEqual(key);
    expect(await store().verifyAll()).toEqual({ files: 2, runs: 2, records: 8, tornLines: 0, problems: [] });
  });

  it('a finished run forged in place and re-chained with the plain hash function fails (its seals and the ledger)', async () => {
    const path = await writeRun(store(), runId(0));
    await forge(path, (record, index) => (index === 1 ? { ...record, output: { content: 'forged answer' } } : record), true);
    const { problems } = await store().verifyAll();
    expect(problems.map((found) => found.problem)).toEqual([
      'record 1 (attempt att-0): seal does not match (written or changed by someone without the trace key)',
      'record 2 (attempt att-1): seal does not match (written or changed by someone without the trace key)',
      'record 3 (attempt att-2): seal does not match (written or changed by someone without the trace key)',
      expect.stringMatching(/^the ledger records 4 records ending in .*: changed or added to after it finished$/),
    ]);
  });

  it('a whole run forged without the key fails, with copied seals or with none', async () => {
    const original = await writeRun(store(), runId(0));
    const forgedId = runId(1);
    const withSeals = runFile(dataDir, forgedId);
    await writeFile(withSeals, await readFile(original, 'utf8'));
    // A new run, started after the real one.
    await forge(withSeals, (record, index) => ({ ...record, runId: forgedId, ...(index === 0 ? { startedAt: '2026-11-24T12:00:01.000Z' } : {}) }), true);
    const seals = (await store().verifyAll()).problems;
    expect(seals.length).toBe(4);
    expect(seals.every((found) => found.runId === forgedId && found.problem.endsWith('seal does not match (written or changed by someone without the trace key)'))).toBe(true);

    await forge(withSeals, (record) => record, false);
    expect((await store().verifyAll()).problems).toEqual([
      {
        file: withSeals,
        line: 0,
        runId: forgedId,
        problem: 'no record is sealed, yet the run started after sealing began (2026-11-24T12:00:00.000Z): written without the trace key',
      },
    ]);
  });

  it('a run file older than sealing reads as unsealed, not as a problem; stripping a sealed run of its seals is one', async () => {
    // As rlm wrote runs before seals: the same chain, no seal, no ledger line.
    const oldId = newRunId(NOW - 3_600_000, () => 'unsealed');
    const header = { type: 'run', ...headerFields(oldId, '2026-11-24T11:00:00.000Z'), pid: 7, prevHash: null };
    await mkdir(join(dataDir, 'runs', '2026-11-24'), { recursive: true });
    await writeFile(runFile(dataDir, oldId), `${JSON.stringify({ ...header, hash: hashJson(header) })}\n`);
    const sealed = await writeRun(store(), runId(0));

    const report = await store().verifyAll();
    expect(report.problems).toEqual([]);
    expect(report.unsealed).toBe(1);

    await forge(sealed, (record) => record, false);
    expect((await store().verifyAll()).problems.map((found) => found.problem)).toEqual([
      'the ledger records this run (ledger line 1), but its records carry no seal (stripped, or the file replaced)',
    ]);
  });

  it('one record stripped of its seal among sealed ones is a problem', async () => {
    const path = await writeRun(store(), runId(0));
    const lines = (await readFile(path, 'utf8')).split('\n');
    const { seal: _seal, ...bare } = JSON.parse(lines[2]!) as Record<string, unknown>;
    lines[2] = JSON.stringify(bare);
    await writeFile(path, lines.join('\n'));
    expect((await store().verifyAll()).problems).toEqual([
      expect.objectContaining({ line: 3, problem: 'record 2 (attempt att-1): has no seal, while the others in its file do (its seal was removed, or it was added without the key)' }),
    ]);
  });

  it('sealed records without the key file, or with a damaged one, cannot be checked: a problem', async () => {
    await writeRun(store(), runId(0));
    const key = await readFile(keyFile(dataDir), 'utf8');
    await rm(keyFile(dataDir));
    expect((await store().verifyAll()).problems).toEqual([
      { file: keyFile(dataDir), line: 0, runId: '', problem: `records are sealed, but the trace key ${keyFile(dataDir)} is missing, so no seal can be checked (restore it from a backup)` },
    ]);
    await writeFile(keyFile(dataDir), key.slice(0, 20));
    expect((await store().verifyAll()).problems.map((found) => found.problem)).toEqual([expect.stringMatching(/^The trace key .* is damaged/)]);
  });

  it('tightenTree narrows the key and the ledger too', async () => {
    if (process.platform === 'win32') return;
    await writeRun(store(), runId(0));
    await chmod(keyFile(dataDir), 0o644);
    await chmod(ledgerFile(dataDir), 0o666);
    await chmod(dataDir, 0o755);
    expect((await tightenTree(dataDir)).tightened).toBe(3);
    for (const file of [keyFile(dataDir), ledgerFile(dataDir)]) expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
