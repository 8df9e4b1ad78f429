/** The policy benchmark's results as two aligned tables: what the runs did, and how good their confidence is. */
import type { Proportion } from '../src/eval/metrics.js';
import type { ConfigurationResult, PolicyResults } from './policy.js';

export function formatPolicyTables(results: PolicyResults): string {
  const { profile } = results;
  const lines = [
    `Policy: the real loop against a simulated world, ${results.tasksPerConfiguration} sums per configuration, seed ${results.seed}`,
    `  profile: tier 0 generates, tier 1 (right ${percent(results.tier1Accuracy)}) is the ladder, maxRevisions ${profile.maxRevisions}, plan ${profile.plan}, onExhausted ${profile.onExhausted}`,
    `  single shot (the question alone, one call; its only confidence is the base rate):`,
    ...Object.entries(results.singleShot.tier0).map(
      ([p, shot]) => `    tier 0 right ${percent(Number(p))}: accuracy ${withInterval(shot.accuracy)}, Brier of the base rate ${fixed(shot.constantBrier)}`,
    ),
    `    tier 1 right ${percent(results.tier1Accuracy)}: accuracy ${withInterval(results.singleShot.tier1.accuracy)}, Brier of the base rate ${fixed(results.singleShot.tier1.constantBrier)}`,
    '',
    table(
      [
        ['tier 0', 'false', 'false', 'accuracy', '', 'right when', '', 'model calls', 'model calls'],
        ['right', 'approvals', 'rejections', '(95 % CI)', 'approved', 'approved / not', 'escalated', 'per request', 'per approved'],
      ],
      results.configurations.map((row) => [
        ...configurationCells(row),
        withInterval(row.accuracy),
        percent(row.approved),
        `${percent(row.accuracyWhenApproved)} / ${percent(row.accuracyWhenUnapproved)}`,
        percent(row.escalated),
        fixed(row.modelCallsPerRequest, 2),
        fixed(row.modelCallsPerApproved, 2),
      ]),
    ),
    '',
    table(
      [
        ['tier 0', 'false', 'false', 'confidence', 'confidence', 'confidence', 'confidence', 'base rate', 'approval bit', 'approval bit'],
        ['right', 'approvals', 'rejections', 'mean', 'Brier', 'ECE', 'AUROC', 'Brier', 'Brier', 'AUROC'],
      ],
      results.configurations.map((row) => [
        ...configurationCells(row),
        fixed(row.confidence.mean),
        fixed(row.confidence.brier),
        fixed(row.confidence.ece),
        fixed(row.confidence.auroc),
        fixed(row.constantBrier),
        fixed(row.approvalBitBrier),
        fixed(row.approvalBitAuroc),
      ]),
    ),
  ];
  lines.push(
    '',
    '  Calibrated (isotonic, cross-fitted in two folds) against the two baselines; issue 10 asks it to beat both on Brier',
    '  wherever the verifier errs, and to reach AUROC 0.75 where the verdict probabilities carry signal:',
    table(
      [
        ['tier 0', 'false', 'false', 'calibrated', 'calibrated', 'calibrated', 'base rate', 'approval bit', 'beats both', 'AUROC'],
        ['right', 'approvals', 'rejections', 'Brier', 'ECE', 'AUROC', 'Brier', 'Brier', 'on Brier', '>= 0.75'],
      ],
      results.configurations.map((row) => [
        ...configurationCells(row),
        fixed(row.calibrated.brier),
        fixed(row.calibrated.ece),
        fixed(row.calibrated.auroc),
        fixed(row.constantBrier),
        fixed(row.approvalBitBrier),
        verifierErrs(row) ? yesNo(beatsBoth(row)) : '(no errors)',
        row.calibrated.auroc === null ? '-' : yesNo(row.calibrated.auroc >= 0.75),
      ]),
    ),
  );
  const failed = results.configurations.reduce((sum, row) => sum + row.failedRuns, 0);
  const cacheHits = results.configurations.reduce((sum, row) => sum + row.cacheHits, 0);
  const reasons = new Map<string, number>();
  for (const row of results.configurations) for (const [reason, count] of Object.entries(row.failures)) reasons.set(reason, (reasons.get(reason) ?? 0) + count);
  for (const [reason, count] of reasons) lines.push(`  FAILED ${count}×: ${reason}`);
  lines.push(
    '',
    `  ${results.runs} pipeline runs in ${results.seconds} s (${Math.round(results.runs / results.seconds)} runs/s, traces written and fsynced)` +
      `; ${failed} failed; ${cacheHits} model calls answered by the call cache (not counted as calls)`,
    '  Brier and ECE: lower is better; AUROC: 0.5 is chance. The approval bit is fitted to the same runs (in-sample).',
    '',
  );
  return lines.join('\n');
}

function configurationCells(row: ConfigurationResult): string[] {
  return [percent(row.tier0Accuracy), percent(row.falseApproval), percent(row.falseRejection)];
}

/** Right-aligned columns, two spaces apart; header rows may be shorter than the data rows. */
function table(header: string[][], rows: string[][]): string {
  const all = [...header, ...rows];
  const columns = Math.max(...all.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all.map((row) => `  ${widths.map((width, column) => (row[column] ?? '').padStart(width)).join('  ')}`.trimEnd()).join('\n');
}

function withInterval(proportion: Proportion): string {
  if (proportion.estimate === null) return '-';
  return `${percent(proportion.estimate, 1)} [${percent(proportion.low, 1, false)}, ${percent(proportion.high, 1, false)}]`;
}

function percent(value: number | null, decimals = 0, sign = true): string {
  if (value === null) return '-';
  return `${(value * 100).toFixed(decimals)}${sign ? ' %' : ''}`;
}

function fixed(value: number | null, decimals = 3): string {
  return value === null ? '-' : value.toFixed(decimals);
}

function verifierErrs(row: ConfigurationResult): boolean {
  return row.falseApproval > 0 || row.falseRejection > 0;
}

/** Lower Brier than the base rate and than the in-sample approval bit. */
export function beatsBoth(row: ConfigurationResult): boolean {
  const { brier } = row.calibrated;
  return brier !== null && row.constantBrier !== null && row.approvalBitBrier !== null && brier < row.constantBrier && brier < row.approvalBitBrier;
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'NO';
}
