import { describe, expect, it } from 'vitest';
import { helpText } from '../../src/cli/help.js';
import { SETTINGS } from '../../src/server/config.js';

describe('rlm --help', () => {
  const text = helpText();
  const lines = text.split('\n');

  it('lists every setting on one line with its flag, its variable and its default', () => {
    for (const setting of SETTINGS) {
      const line = lines.find((candidate) => candidate.startsWith(`  ${setting.flag} ${setting.value} `));
      expect(line, setting.flag).toBeDefined();
      expect(line, setting.flag).toContain(` ${setting.env} `);
      expect(line, setting.flag).toMatch(/\[default: [^[\]()]+\]$/);
    }
  });

  it('never prints a default in parentheses inside parentheses, such as "(default (none))"', () => {
    expect(text).not.toMatch(/\(default \(/);
    expect(text).not.toMatch(/\([^()]*\([^()]*\)[^()]*\)/);
    expect(text).toContain('RLM_API_KEY');
    expect(lines.find((line) => line.includes(' RLM_API_KEY '))).toMatch(/\[default: none\]$/);
  });

  it('keeps the variable and the meaning columns aligned on every option line, --insecure included', () => {
    const optionLines = lines.filter((line) => /^ {2}--[a-z]/.test(line));
    expect(optionLines.length).toBe(SETTINGS.length + 1);
    // Columns are separated by two spaces or more, and no flag or meaning holds two spaces in a row.
    const meaningStarts = optionLines.map((line) => line.lastIndexOf('  ') + 2);
    expect(new Set(meaningStarts).size, optionLines.join('\n')).toBe(1);
    const variableStarts = SETTINGS.map((setting) => (optionLines.find((line) => line.includes(` ${setting.env} `)) as string).indexOf(setting.env));
    expect(new Set(variableStarts).size, optionLines.join('\n')).toBe(1);
  });
});
