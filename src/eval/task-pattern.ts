/**
 * A task's `regex`, matched in linear time by the pipeline's own matcher (linear-pattern.ts), so
 * no pattern in a task file can stall an eval the way `^(a+)+$` stalls V8's backtracking RegExp.
 * What that matcher refuses (backreferences, lookarounds, inline modifiers) is refused here too,
 * with its reason.
 *
 * The matcher knows no flags, so the two that make sense for scoring are applied around it:
 *
 * - `i`: the answer and the pattern's literal characters are lowercased (escapes such as `\D`,
 *   `\W`, `\p{Lu}` are kept as written). So `Paris` matches "PARIS"; `\p{Lu}` under `i` finds no
 *   uppercase letter, since the answer it sees has none.
 * - `s`: every `.` outside a class becomes `[\s\S]`, which matches line terminators too.
 * - `u` is accepted and changes nothing: patterns are always read with Unicode semantics.
 *
 * `m` is refused (write `(^|\n)` to find a line start), as are `g`, `y`, `d` and `v`, which mean
 * nothing for a yes-or-no match or are not supported.
 */
import { compileLinearPattern } from '../orchestrator/checks/linear-pattern.js';
import { createWorkBudget, WorkBudgetExceeded } from '../orchestrator/checks/work-budget.js';

/** Steps one match may take (about a second at worst); past it the answer is not accepted. */
export const PATTERN_STEP_BUDGET = 20_000_000;

export type PatternOutcome = 'match' | 'no_match' | 'too_costly';

export type TaskPatternCompilation = { ok: true; test(text: string): PatternOutcome } | { ok: false; reason: string };

const SUPPORTED_FLAGS = new Set(['i', 's', 'u']);

/** Why `flags` cannot be used, or null when they can. */
export function flagsProblem(flags: string): string | null {
  const seen = new Set<string>();
  for (const flag of flags) {
    if (flag === 'm') return 'the flag "m" is not supported (write (^|\\n) to match at a line start)';
    if (!SUPPORTED_FLAGS.has(flag)) return `the flag ${JSON.stringify(flag)} is not supported (use i, s or u)`;
    if (seen.has(flag)) return `the flag ${JSON.stringify(flag)} is given twice`;
    seen.add(flag);
  }
  return null;
}

export function compileTaskPattern(source: string, flags = ''): TaskPatternCompilation {
  const problem = flagsProblem(flags);
  if (problem !== null) return { ok: false, reason: problem };
  const ignoreCase = flags.includes('i');
  const rewritten = rewriteForFlags(source, ignoreCase, flags.includes('s'));
  const compiled = compileLinearPattern(rewritten);
  if (!compiled.ok) {
    const why = compiled.irregular ? ' (rlm matches patterns in linear time, which rules out backreferences and lookarounds)' : '';
    return { ok: false, reason: `${compiled.reason}${why}` };
  }
  const pattern = compiled.pattern;
  return {
    ok: true,
    test(text) {
      try {
        return pattern.test(ignoreCase ? text.toLowerCase() : text, createWorkBudget(PATTERN_STEP_BUDGET)) ? 'match' : 'no_match';
      } catch (error) {
        if (error instanceof WorkBudgetExceeded) return 'too_costly';
        throw error;
      }
    },
  };
}

/**
 * The pattern with `i` and `s` written into it. Escapes are copied as they are (with the braces of
 * `\p{…}` and `\u{…}`), so only literal characters are lowercased and only a bare `.` is widened.
 */
function rewriteForFlags(source: string, ignoreCase: boolean, dotAll: boolean): string {
  if (!ignoreCase && !dotAll) return source;
  let out = '';
  let inClass = false;
  for (let index = 0; index < source.length; ) {
    const character = source[index] as string;
    if (character === '\\') {
      const next = source[index + 1] ?? '';
      let end = index + 2;
      if ((next === 'p' || next === 'P' || next === 'u') && source[end] === '{') {
        const close = source.indexOf('}', end);
        if (close >= 0) end = close + 1;
      }
      out += source.slice(index, end);
      index = end;
      continue;
    }
    if (inClass) {
      if (character === ']') inClass = false;
    } else if (character === '[') {
      inClass = true;
    } else if (character === '.' && dotAll) {
      out += '[\\s\\S]';
      index++;
      continue;
    }
    out += ignoreCase ? character.toLowerCase() : character;
    index++;
  }
  return out;
}
