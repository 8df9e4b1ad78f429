import { describe, it, expect } from 'vitest';
import { recordHash, sealAttempt, sealHeader, verifyChain } from '../../src/orchestrator/traces/trace-chain.js';
import { canonicalJson, sha256Hex } from '../../src/utils/hash.js';
import type { AttemptRecord, RunHeader, TraceRecord } from '../../src/types/attempt.js';

type AttemptFields = Omit<AttemptRecord, 'type' | 'runId' | 'seq' | 'prevHash' | 'hash'>;

const RUN_ID = 'run-20261124T013342Z-abcdefgh';

function headerFields(): Omit<RunHeader, 'type' | 'prevHash' | 'hash'> {
  return {
    runId: RUN_ID,
    startedAt: '2026-11-24T01:33:42.000Z',
    profile: 'default',
    requestedModel: 'rlm-default',
    request: { model: 'rlm-default', messages: [{ role: 'user', content: 'Say hi' }] },
    requestHash: 'f'.repeat(64),
  };
}

function attemptFields(attemptId: string, content = `draft of ${attemptId}`): AttemptFields {
  return {
    attemptId,
    parentAttemptId: null,
    stage: 'generate',
    tier: 0,
    model: 'qwen3:4b',
    name: null,
    promptName: 'generate',
    promptHash: 'a'.repeat(64),
    inputHash: 'b'.repeat(64),
    output: { content, data: { nested: { list: [1, 2, 3] } } },
    verdict: null,
    issues: [],
    verdictProbability: null,
    tokens: { prompt: 10, completion: 5 },
    durations: null,
    startedAt: '2026-11-24T01:33:43.000Z',
    durationMs: 12,
    cacheHit: false,
    error: null,
  };
}

/** A header and `count` attempts, sealed in order. */
function chainOf(count: number): TraceRecord[] {
  const records: TraceRecord[] = [sealHeader(headerFields())];
  for (let seq = 0; seq < count; seq++) records.push(sealAttempt(records[seq]!, attemptFields(`att-${seq}`), seq));
  return records;
}

describe('recordHash', () => {
  it('is the sha256 of the canonical JSON without the hash key', () => {
    const header = sealHeader(headerFields());
    const { hash, ...rest } = header;
    expect(hash).toBe(sha256Hex(canonicalJson(rest)));
    expect(recordHash(header)).toBe(hash);
    expect(recordHash(rest)).toBe(hash);
  });

  it('does not depend on the order keys were written in', () => {
    const header = sealHeader(headerFields());
    const reordered = Object.fromEntries(Object.entries(header).reverse()) as unknown as RunHeader;
    expect(recordHash(reordered)).toBe(header.hash);
  });
});

describe('sealHeader', () => {
  it('adds type, a null prevHash and the hash, and freezes the record', () => {
    const header = sealHeader(headerFields());
    expect(header).toMatchObject({ type: 'run', runId: RUN_ID, prevHash: null });
    expect(header.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.isFrozen(header)).toBe(true);
    expect(Object.isFrozen(header.request)).toBe(true);
  });
});

describe('sealAttempt', () => {
  it('chains to the previous record and takes its runId', () => {
    const [header, first, second] = chainOf(2) as [RunHeader, AttemptRecord, AttemptRecord];
    expect(first).toMatchObject({ type: 'attempt', runId: RUN_ID, seq: 0, prevHash: header.hash, attemptId: 'att-0' });
    expect(second).toMatchObject({ seq: 1, prevHash: first.hash });
    expect(recordHash(second)).toBe(second.hash);
  });

  it('returns a deep-frozen copy and leaves the caller\'s object alone', () => {
    const fields = attemptFields('att-0');
    const record = sealAttempt(sealHeader(headerFields()), fields, 0);
    expect(Object.isFrozen(record)).toBe(true);
    expect(Object.isFrozen(record.output)).toBe(true);
    expect(Object.isFrozen(record.output?.data?.nested)).toBe(true);
    expect(Object.isFrozen(fields)).toBe(false);
    expect(Object.isFrozen(fields.output)).toBe(false);
    expect(record.output).not.toBe(fields.output);
    expect(fields).not.toHaveProperty('hash');
  });

  it('hashes exactly what JSON will carry, so a record read back still verifies', () => {
    const fields = { ...attemptFields('att-0'), extra: undefined, startedAt: new Date('2026-11-24T01:33:43.000Z') };
    const record = sealAttempt(sealHeader(headerFields()), fields as unknown as AttemptFields, 0);
    expect(record).not.toHaveProperty('extra');
    expect(record.startedAt).toBe('2026-11-24T01:33:43.000Z');
    const readBack = JSON.parse(JSON.stringify(record)) as AttemptRecord;
    expect(recordHash(readBack)).toBe(record.hash);
  });

  it('ignores sealed keys a caller passes along', () => {
    const header = sealHeader(headerFields());
    const fields = { ...attemptFields('att-0'), runId: 'other', seq: 9, prevHash: 'x', hash: 'y', type: 'run' };
    const record = sealAttempt(header, fields as unknown as AttemptFields, 0);
    expect(record).toMatchObject({ type: 'attempt', runId: RUN_ID, seq: 0, prevHash: header.hash });
    expect(record.hash).toBe(recordHash(record));
  });

  it('refuses a seq that does not follow the previous record', () => {
    const [header, first] = chainOf(1) as [RunHeader, AttemptRecord];
    expect(() => sealAttempt(header, attemptFields('att-x'), 1)).toThrow(RangeError);
    expect(() => sealAttempt(first, attemptFields('att-x'), 0)).toThrow(/expected 1/);
  });

  it('refuses values JSON cannot carry instead of hashing something else', () => {
    const fields = { ...attemptFields('att-0'), durationMs: Number.NaN };
    expect(() => sealAttempt(sealHeader(headerFields()), fields, 0)).toThrow(TypeError);
  });
});

describe('verifyChain', () => {
  it('finds nothing wrong in an intact chain', () => {
    expect(verifyChain(chainOf(4))).toEqual([]);
    expect(verifyChain(chainOf(0))).toEqual([]);
  });

  it('reports a record whose content changed after it was sealed', () => {
    const records = chainOf(4).map((record) => structuredClone(record)) as TraceRecord[];
    (records[3] as AttemptRecord).output = { content: 'forged' };
    expect(verifyChain(records)).toEqual([
      { runId: RUN_ID, index: 3, problem: 'record 3 (attempt att-2): hash does not match its content (changed after it was written)' },
    ]);
  });

  it('reports a record removed from the middle at the record after the gap', () => {
    const records = chainOf(4);
    records.splice(2, 1);
    const problems = verifyChain(records);
    expect(problems.map((problem) => problem.index)).toEqual([2, 2]);
    expect(problems[0]?.problem).toBe('record 2 (attempt att-2): seq is 2, expected 1 (a record before it is missing, extra or out of order)');
    expect(problems[1]?.problem).toMatch(/prevHash is not record 1's hash/);
  });

  it('reports two records swapped', () => {
    const records = chainOf(3);
    [records[1], records[2]] = [records[2]!, records[1]!];
    expect(verifyChain(records).length).toBeGreaterThan(0);
  });

  it('reports a missing header', () => {
    const problems = verifyChain(chainOf(2).slice(1));
    expect(problems[0]).toEqual({
      runId: RUN_ID,
      index: 0,
      problem: 'record 0 (attempt att-0): the first record is not a run header (the header is missing)',
    });
  });

  it('reports a record of another run, even with a consistent hash', () => {
    const records = chainOf(2);
    const foreign = { ...(records[2] as AttemptRecord), runId: 'run-20261124T013342Z-zzzzzzzz' };
    records[2] = { ...foreign, hash: recordHash(foreign) };
    const problems = verifyChain(records).map((problem) => problem.problem);
    expect(problems).toContain('record 2 (attempt att-1): belongs to run run-20261124T013342Z-zzzzzzzz, not ' + RUN_ID);
  });

  it('reports an empty run', () => {
    expect(verifyChain([])).toEqual([{ runId: '', index: 0, problem: 'the run has no records' }]);
  });
});
