/**
 * Stored calibrations, one file per profile: `<data>/calibration/<profile>.json`, written by `rlm
 * eval --calibrate` and read by the server, which maps each run's raw confidence through its
 * profile's calibration (calibration-fit.ts) and records which calibration it used. Written
 * atomically and private to the user (0600 in a 0700 directory). A file that cannot be read or is
 * not a calibration is reported once and ignored: the raw score is then what clients get, marked
 * as uncalibrated, never a number from a broken map.
 */
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CalibratedConfidence, CalibrationRef } from '../orchestrator/loop/types.js';
import { makePrivateDirectory, PRIVATE_FILE_MODE } from '../utils/private-files.js';
import { applyCalibration, type CalibrationMap } from './isotonic.js';

export interface StoredCalibration extends CalibrationRef {
  profile: string;
  /** The raw-score map, fitted by calibration-fit.ts. */
  map: CalibrationMap;
  /** Accuracy of the answers fitted on, for `rlm models`. */
  accuracy: number;
}

export function calibrationDirectory(dataDir: string): string {
  return join(dataDir, 'calibration');
}

function calibrationPath(dataDir: string, profile: string): string {
  return join(calibrationDirectory(dataDir), `${encodeURIComponent(profile)}.json`);
}

export async function writeCalibration(dataDir: string, calibration: StoredCalibration): Promise<string> {
  await makePrivateDirectory(calibrationDirectory(dataDir));
  const path = calibrationPath(dataDir, calibration.profile);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(calibration, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  await rename(temporary, path);
  return path;
}

/** The profile's calibration, or undefined when there is none; throws with the path when the file is broken. */
export async function readCalibration(dataDir: string, profile: string): Promise<StoredCalibration | undefined> {
  const path = calibrationPath(dataDir, profile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path} cannot be read: ${(error as Error).message}`);
  }
  const parsed = parseStored(text);
  if (parsed === undefined) throw new Error(`${path} is not a calibration written by rlm eval --calibrate; run it again, or delete the file.`);
  return parsed;
}

function parseStored(text: string): StoredCalibration | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const stored = value as Partial<StoredCalibration>;
  const map = stored.map;
  const valid =
    typeof stored.profile === 'string' &&
    typeof stored.fittedAt === 'string' &&
    typeof stored.answers === 'number' &&
    typeof stored.taskHash === 'string' &&
    Array.isArray(stored.models) &&
    map?.kind === 'isotonic' &&
    Array.isArray(map.blocks) &&
    map.blocks.length > 0 &&
    map.blocks.every((block) => Number.isFinite(block.low) && Number.isFinite(block.high) && block.probability >= 0 && block.probability <= 1);
  return valid ? (stored as StoredCalibration) : undefined;
}

export interface CalibrationLookup {
  /** The calibrated confidence for a run of `profile`, or undefined without a (readable) calibration. */
  calibrate(profile: string, rawConfidence: number): CalibratedConfidence | undefined;
  /** Reads the files again now (they are also re-read, when changed, every `recheckMs`). */
  refresh(): Promise<void>;
  /** What is in force, for `rlm models`. */
  current(profile: string): StoredCalibration | undefined;
}

/**
 * Every stored calibration, kept in memory and re-read when a file appears, changes or goes
 * (checked at most every `recheckMs`, off the request path), so a new `rlm eval --calibrate`
 * takes effect without a restart. Call `refresh()` once before serving.
 */
export function createCalibrationLookup(options: { dataDir: string; onError: (message: string) => void; recheckMs?: number }): CalibrationLookup {
  const loaded = new Map<string, { mtimeMs: number; calibration: StoredCalibration | undefined }>();
  const reported = new Set<string>();
  let lastCheck = -Infinity;
  let checking: Promise<void> | undefined;

  const refresh = async (): Promise<void> => {
    lastCheck = Date.now();
    const files = await readdir(calibrationDirectory(options.dataDir)).catch(() => [] as string[]);
    const present = files.filter((file) => file.endsWith('.json')).map((file) => decodeURIComponent(file.slice(0, -'.json'.length)));
    for (const profile of loaded.keys()) if (!present.includes(profile)) loaded.delete(profile);
    for (const profile of present) {
      const path = calibrationPath(options.dataDir, profile);
      const mtimeMs = await stat(path).then(
        (stats) => stats.mtimeMs,
        () => -1,
      );
      if (loaded.get(profile)?.mtimeMs === mtimeMs) continue;
      try {
        loaded.set(profile, { mtimeMs, calibration: mtimeMs < 0 ? undefined : await readCalibration(options.dataDir, profile) });
        reported.delete(profile);
      } catch (error) {
        loaded.set(profile, { mtimeMs, calibration: undefined });
        if (!reported.has(profile)) options.onError((error as Error).message);
        reported.add(profile);
      }
    }
  };

  const maybeRecheck = (): void => {
    if (checking !== undefined || Date.now() - lastCheck < (options.recheckMs ?? 5000)) return;
    checking = refresh().finally(() => (checking = undefined));
  };

  return {
    calibrate(profile, rawConfidence) {
      maybeRecheck();
      const calibration = loaded.get(profile)?.calibration;
      if (calibration === undefined) return undefined;
      const value = Math.round(applyCalibration(calibration.map, rawConfidence) * 1000) / 1000;
      const { fittedAt, answers, taskHash, models } = calibration;
      return { value, calibration: { fittedAt, answers, taskHash, models } };
    },
    refresh,
    current: (profile) => loaded.get(profile)?.calibration,
  };
}
