import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/orchestrator/profiles/profile-config.js';
import { deriveDefaultProfile } from '../../src/orchestrator/profiles/tiering.js';
import { formatTiersReport } from '../../src/orchestrator/profiles/tiers-report.js';
import { tagModel } from '../support/tag-model.js';

const model = tagModel;

describe('formatTiersReport', () => {
  it('shows the source, each tier, the policies and the reasons', () => {
    const { profile, reasons } = deriveDefaultProfile([model('qwen3:8b', '8.2B'), model('llama3.2:3b', '3.2B'), model('qwen2.5:0.5b', '494.03M')]);
    const text = formatTiersReport({ defaultProfile: 'rlm', profiles: { rlm: profile }, settings: DEFAULT_SETTINGS, backends: null, source: 'derived from the models installed in Ollama' }, reasons);
    expect(text).toBe(
      [
        'source: derived from the models installed in Ollama',
        '',
        'profile rlm (default)',
        '  planner    qwen2.5:0.5b',
        '  verifier   qwen2.5:0.5b',
        '  tier 0     llama3.2:3b (generator)',
        '  tier 1     qwen3:8b',
        '  policy     maxRevisions 2, plan auto, onExhausted best (unapproved text: note, structured: error), minApprovalProbability off, progress on',
        '',
        'why these models:',
        ...reasons.map((reason) => `  - ${reason}`),
        '',
        'To choose the models yourself, write rlm.config.json (or point RLM_CONFIG at a file).',
        '',
      ].join('\n'),
    );
  });

  it('says when a profile has no ladder, and prints no reasons for a file', () => {
    const { profile } = deriveDefaultProfile([model('llama3.2:3b', '3.2B')]);
    const text = formatTiersReport({ defaultProfile: 'rlm', profiles: { rlm: profile }, settings: DEFAULT_SETTINGS, backends: null, source: '/home/me/rlm.config.json' }, []);
    expect(text).toContain('  ladder     none: rejected drafts are revised at tier 0 only\n');
    expect(text).not.toContain('why these models');
    expect(text).not.toContain('To choose');
  });
});
