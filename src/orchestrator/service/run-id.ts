/**
 * Run ids: "run-20261124T013342Z-k3v9x0qa". The UTC start second comes first so ids sort by time as
 * plain strings (file names, list cursors); the random tail keeps runs of the same second apart.
 * Ids name files on disk, so only ids of exactly this shape are accepted anywhere.
 */
import { randomInt } from 'node:crypto';

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';
const SUFFIX = /^[0-9a-z]{8}$/;
const RUN_ID = /^run-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-[0-9a-z]{8}$/;

/** `random` must return 8 base36 characters (lowercase); it defaults to crypto randomness (~41 bits). */
export function newRunId(now: number, random: () => string = randomSuffix): string {
  const date = new Date(now);
  if (Number.isNaN(date.getTime())) throw new RangeError(`newRunId: ${now} is not a valid time.`);
  const iso = date.toISOString();
  // Years past 9999 (or before 0) get a sign and six digits, which would break time order as strings.
  if (!/^\d{4}-/.test(iso)) throw new RangeError(`newRunId: ${iso} is outside the years 0000–9999.`);
  const suffix = random();
  if (!SUFFIX.test(suffix)) {
    throw new TypeError(`newRunId: the random part must be 8 characters of [0-9a-z], got ${JSON.stringify(suffix)}.`);
  }
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return `run-${stamp}-${suffix}`;
}

/** "2026-11-24" for a run id, or undefined for anything that is not one (including impossible dates). */
export function runIdDate(runId: string): string | undefined {
  if (typeof runId !== 'string') return undefined;
  const match = RUN_ID.exec(runId);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match;
  const written = `${year}-${month}-${day}T${hour}:${minute}:${second}`;
  // Parsing and printing back rejects dates like 02-30 or 25:00, whether the parser refuses or rolls them over.
  const time = Date.parse(`${written}Z`);
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 19) !== written) return undefined;
  return written.slice(0, 10);
}

function randomSuffix(): string {
  let suffix = '';
  for (let index = 0; index < 8; index++) suffix += BASE36[randomInt(BASE36.length)];
  return suffix;
}
