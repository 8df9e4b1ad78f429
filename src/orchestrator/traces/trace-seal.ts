/**
 * Seals: `seal` = HMAC-SHA256(key, hash) on every trace record and ledger line. The hash chain
 * alone proves only that records agree with each other; anyone can recompute SHA-256 and re-chain
 * a forged run. The seal needs the key in `<dataDir>/trace-key`, so a record written or changed by
 * someone who cannot read that file does not verify. The hash already covers the record's content
 * and its `prevHash`, so sealing the hash seals both.
 */
import { hmacSha256Hex } from '../../utils/hash.js';

/** What a sealed line carries besides its record's own fields. */
export interface SealField {
  seal?: string;
}

export function sealOf(key: Uint8Array, hash: string): string {
  return hmacSha256Hex(key, hash);
}

export interface SealCheck {
  /** `unsealed`: no record has a seal (written before sealing); `sealed`: at least one has. */
  state: 'sealed' | 'unsealed';
  /** Index of the record, and what is wrong with its seal. */
  problems: { index: number; problem: string }[];
}

/**
 * Checks every record's seal against its stored hash (whether the hash matches the content is the
 * chain's check). A run is sealed whole or not at all: a record without a seal among sealed ones
 * had its seal removed or was added without the key. Without a key only the state is known.
 */
export function checkSeals(records: readonly { hash: unknown }[], key: Uint8Array | undefined): SealCheck {
  const seals = records.map((record) => (record as SealField).seal);
  if (seals.every((seal) => seal === undefined)) return { state: 'unsealed', problems: [] };
  const problems: SealCheck['problems'] = [];
  records.forEach((record, index) => {
    const seal = seals[index];
    if (seal === undefined) {
      problems.push({ index, problem: 'has no seal, while the others in its file do (its seal was removed, or it was added without the key)' });
    } else if (key !== undefined && (typeof seal !== 'string' || typeof record.hash !== 'string' || seal !== sealOf(key, record.hash))) {
      problems.push({ index, problem: 'seal does not match (written or changed by someone without the trace key)' });
    }
  });
  return { state: 'sealed', problems };
}
