/**
 * What `rlm models` prints: where the profiles came from, which model does what in each, the order a
 * hard request escalates in, and, for a derived profile, why each model got its role.
 */
import type { Profile, RlmConfigFile } from '../../types/profile.js';
import { DERIVED_SOURCE } from './profile-config.js';

/** Label column width, so the model names line up. */
const LABEL_WIDTH = 11;

const line = (label: string, value: string): string => `  ${label.padEnd(LABEL_WIDTH)}${value}`;

function formatProfile(profile: Profile, isDefault: boolean): string[] {
  const lines = [`profile ${profile.name}${isDefault ? ' (default)' : ''}`];
  lines.push(line('planner', `${profile.planner}${profile.plan === 'never' ? ' (planning off)' : ''}`));
  lines.push(line('verifier', profile.verifier));
  lines.push(line('tier 0', `${profile.generator} (generator)`));
  profile.ladder.forEach((model, index) => lines.push(line(`tier ${index + 1}`, model)));
  if (profile.ladder.length === 0) lines.push(line('ladder', 'none: rejected drafts are revised at tier 0 only'));
  lines.push(
    line('policy', `maxRevisions ${profile.maxRevisions}, plan ${profile.plan}, onExhausted ${profile.onExhausted} (unapproved text: ${profile.unapprovedText}, structured: ${profile.unapprovedStructured}), minApprovalProbability ${profile.minApprovalProbability ?? 'off'}, progress ${profile.progress ? 'on' : 'off'}`),
  );
  return lines;
}

/** The text `rlm models` prints; `reasons` (from deriveDefaultProfile) are listed when there are any. */
export function formatTiersReport(config: RlmConfigFile, reasons: string[]): string {
  const lines = [`source: ${config.source}`, ''];
  for (const profile of Object.values(config.profiles)) {
    lines.push(...formatProfile(profile, profile.name === config.defaultProfile), '');
  }
  if (reasons.length > 0) {
    lines.push('why these models:', ...reasons.map((reason) => `  - ${reason}`), '');
  }
  if (config.source === DERIVED_SOURCE) lines.push('To choose the models yourself, write rlm.config.json (or point RLM_CONFIG at a file).');
  return `${lines.join('\n').trimEnd()}\n`;
}
