/**
 * The hash chain over a run's records. Each record's `hash` is the SHA-256 of its canonical JSON
 * without `hash`, and each record's `prevHash` is the hash of the record before it, so changing,
 * removing, inserting or reordering a record is detectable. Given the trace key, each record also
 * gets its `seal` (trace-seal.ts), which only the key's holder can compute. Sealing returns
 * deep-frozen plain-JSON copies: what is hashed is exactly what is written and later read back.
 */
import { hashJson } from '../../utils/hash.js';
import type { AttemptRecord, RunHeader, TraceRecord } from '../../types/attempt.js';
import { sealOf } from './trace-seal.js';

export interface ChainProblem {
  runId: string;
  /** The record's index in the run; the header is 0. */
  index: number;
  problem: string;
}

type HeaderFields = Omit<RunHeader, 'type' | 'prevHash' | 'hash'>;
type AttemptFields = Omit<AttemptRecord, 'type' | 'runId' | 'seq' | 'prevHash' | 'hash'>;

/** hash = sha256 of canonicalJson(record without its `hash` and `seal` keys); the seal is made from the hash. */
export function recordHash(record: Omit<TraceRecord, 'hash'> | TraceRecord): string {
  return hashJson(withoutKeys(record, ['hash', 'seal']));
}

/** Without a key the record has no seal (as records written before sealing). */
export function sealHeader(header: HeaderFields, key?: Uint8Array): RunHeader {
  return sealHeaderLine(header, key).record;
}

/** Seals the attempt that follows `previous`: runId from it, prevHash = its hash. */
export function sealAttempt(previous: TraceRecord, attempt: AttemptFields, seq: number, key?: Uint8Array): AttemptRecord {
  return sealAttemptLine(previous, attempt, seq, key).record;
}

/** A sealed record and the line that stores it (its JSON, without the newline). */
export interface SealedLine<T extends TraceRecord> {
  record: T;
  line: string;
}

export function sealHeaderLine(header: HeaderFields, key?: Uint8Array): SealedLine<RunHeader> {
  const unsealed: Record<string, unknown> = { type: 'run', ...header, prevHash: null };
  // A caller's stray copy of a key the sealer owns (e.g. a whole record passed back in) is overruled.
  unsealed.type = 'run';
  unsealed.prevHash = null;
  return sealed(unsealed, key) as SealedLine<RunHeader>;
}

export function sealAttemptLine(previous: TraceRecord, attempt: AttemptFields, seq: number, key?: Uint8Array): SealedLine<AttemptRecord> {
  // The sequence is implied by the chain; a wrong one would only surface later, in verifyChain.
  const expected = previous.type === 'run' ? 0 : previous.seq + 1;
  if (seq !== expected) {
    throw new RangeError(`sealAttempt: seq ${seq} cannot follow ${describe(previous)}; expected ${expected}.`);
  }
  const unsealed: Record<string, unknown> = { type: 'attempt', runId: previous.runId, seq, ...attempt, prevHash: previous.hash };
  unsealed.type = 'attempt';
  unsealed.runId = previous.runId;
  unsealed.seq = seq;
  unsealed.prevHash = previous.hash;
  return sealed(unsealed, key) as SealedLine<AttemptRecord>;
}

/**
 * One JSON.stringify makes the line's text in the caller's key order (the file stays readable),
 * refusing what it would otherwise silently change (NaN, Infinity, functions, symbols, Map, Set;
 * BigInt and cycles it refuses itself) and leaving out a stray `hash` or `seal`; parsing it back
 * gives the plain-JSON copy that is hashed, exactly as the line read back from disk will be, and
 * that becomes the frozen record. The hash and seal are then added to both.
 */
function sealed(unsealed: Record<string, unknown>, key: Uint8Array | undefined): SealedLine<TraceRecord> {
  const text = JSON.stringify(unsealed, function (this: unknown, name: string, value: unknown) {
    if (this === unsealed && (name === 'hash' || name === 'seal')) return undefined;
    return refuseLossy(name, value);
  });
  const record = JSON.parse(text) as Record<string, unknown>;
  const hash = hashJson(record);
  record.hash = hash;
  let line = `${text.slice(0, -1)},"hash":"${hash}"`;
  if (key !== undefined) {
    const seal = sealOf(key, hash);
    record.seal = seal;
    line += `,"seal":"${seal}"`;
  }
  return { record: deepFreeze(record) as unknown as TraceRecord, line: `${line}}` };
}

/**
 * Checks one run's records in file order: a header first, every hash recomputes, every prevHash is
 * the previous record's hash, seq counts 0, 1, 2… (each one more than the record before) and the
 * runId never changes. Returns every problem found (none for an intact chain).
 */
export function verifyChain(records: readonly TraceRecord[]): ChainProblem[] {
  const first = records[0];
  if (first === undefined) return [{ runId: '', index: 0, problem: 'the run has no records' }];
  const runId = first.runId;
  const problems: ChainProblem[] = [];
  const report = (index: number, record: TraceRecord, problem: string): void => {
    problems.push({ runId, index, problem: `record ${index} (${describe(record)}): ${problem}` });
  };

  records.forEach((record, index) => {
    const recomputed = safeRecordHash(record);
    if (recomputed instanceof Error) report(index, record, `cannot be hashed: ${recomputed.message}`);
    else if (recomputed !== record.hash) report(index, record, 'hash does not match its content (changed after it was written)');
    if (record.runId !== runId) report(index, record, `belongs to run ${String(record.runId)}, not ${runId}`);

    const previous = records[index - 1];
    if (previous === undefined) {
      if (record.type !== 'run') report(index, record, 'the first record is not a run header (the header is missing)');
      else if (record.prevHash !== null) report(index, record, 'a run header must have prevHash null');
      return;
    }
    // seq is checked against the previous record, not the index, so one gap is reported once rather
    // than at every record after it.
    const expectedSeq = previous.type === 'run' ? 0 : previous.seq + 1;
    if (record.type !== 'attempt') report(index, record, 'a run header after the first record');
    else if (record.seq !== expectedSeq) {
      report(index, record, `seq is ${String(record.seq)}, expected ${expectedSeq} (a record before it is missing, extra or out of order)`);
    }
    if (record.prevHash !== previous.hash) {
      report(index, record, `prevHash is not record ${index - 1}'s hash (a record was removed, inserted or rewritten before it)`);
    }
  });
  return problems;
}

/** "run header", or "attempt att-3": how problems name a record. */
export function describe(record: TraceRecord): string {
  return record.type === 'run' ? 'run header' : `attempt ${String(record.attemptId)}`;
}

/** Records read from disk are plain JSON and always hash; a caller's in-memory record might not. */
function safeRecordHash(record: TraceRecord): string | Error {
  try {
    return recordHash(record);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Called from JSON.stringify's replacer, which sees each value after its toJSON, as canonicalJson does. */
function refuseLossy(key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Cannot seal a record: ${describeKey(key)} is ${value}, which JSON cannot represent.`);
      return value;
    case 'function':
    case 'symbol':
      throw new TypeError(`Cannot seal a record: ${describeKey(key)} is a ${typeof value}, which cannot be hashed stably.`);
    case 'object':
      if (value instanceof Map || value instanceof Set) {
        throw new TypeError(`Cannot seal a record: ${describeKey(key)} is a ${value.constructor.name}, which JSON would write as {}.`);
      }
      return value;
    default:
      return value;
  }
}

function describeKey(key: string): string {
  return key === '' ? 'the record' : `the value of "${key}"`;
}

/** fromEntries defines own properties, so even a "__proto__" key stays data. */
function withoutKeys(object: object, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
