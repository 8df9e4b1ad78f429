/**
 * The policy benchmark's calibrated confidence, measured honestly: isotonic calibration
 * (src/eval/calibration-fit.ts, what `rlm eval --calibrate` fits) cross-fitted in two folds, so that
 * every run's calibrated confidence comes from a map fitted on the other half of the tasks and never
 * on the run itself. The approval bit it is compared with is fitted in-sample, which favours the bit.
 */
import { fitCalibration } from '../src/eval/calibration-fit.js';
import { applyCalibration } from '../src/eval/isotonic.js';
import { auroc, brierScore, expectedCalibrationError, type Prediction } from '../src/eval/metrics.js';

/** As `rlm eval --calibrate` uses: no probability rests on fewer answers than this. */
export const CALIBRATION_MIN_COUNT = 20;

export interface CalibratedFigures {
  brier: number | null;
  ece: number | null;
  auroc: number | null;
}

/** Run i is in fold i mod 2; each fold is scored with the map fitted on the other. */
export function crossFittedCalibration(runs: readonly { confidence: number; correct: boolean }[]): CalibratedFigures {
  const folds = [0, 1].map((fold) => runs.filter((_, index) => index % 2 === fold));
  const predictions: Prediction[] = [];
  for (const [fold, scored] of folds.entries()) {
    const training = folds[1 - fold] ?? [];
    if (training.length === 0 || scored.length === 0) continue;
    const map = fitCalibration(
      training.map((run) => ({ score: run.confidence, correct: run.correct })),
      { minCount: CALIBRATION_MIN_COUNT },
    );
    for (const run of scored) predictions.push({ probability: applyCalibration(map, run.confidence), correct: run.correct });
  }
  return { brier: brierScore(predictions), ece: expectedCalibrationError(predictions), auroc: auroc(predictions) };
}
