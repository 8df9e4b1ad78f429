/**
 * A .gitignore matcher that follows gitignore(5) and git's wildmatch: each pattern is compiled once
 * (wildmatch.ts) and matched against the whole path relative to the .gitignore's directory, in time
 * linear in the path's length whatever the pattern.
 *
 * Where this differs from git: paths are matched as Unicode code points rather than bytes (so `?`
 * matches one "é", where git would need two), and matching is always case-sensitive (git's
 * default outside core.ignoreCase).
 */
import { compileGlob, matchGlob, type Glob } from './wildmatch.js';

export interface IgnoreRules {
  /** true when `relativePath` ("src/a.ts", "/"-separated, relative to the folder being walked) is ignored */
  ignores(relativePath: string, isDirectory: boolean): boolean;
}

/** What one set of rules says about one path: the tri-state that lets later rules override earlier ones. */
type Verdict = 'ignored' | 'included' | undefined;
type VerdictFunction = (path: string, isDirectory: boolean) => Verdict;

interface Pattern {
  /** undefined for a malformed pattern (unterminated `[`, trailing `\`), which git never matches. */
  glob: Glob | undefined;
  negated: boolean;
  directoryOnly: boolean;
}

/** The tri-state behind every IgnoreRules this module made, so combineRules can layer them exactly. */
const verdictsByRules = new WeakMap<IgnoreRules, VerdictFunction>();

/** Bounds the per-rules memo of directory verdicts, so a long-lived rules object cannot grow without end. */
const DIRECTORY_MEMO_LIMIT = 10_000;

export function parseGitignore(text: string, baseDirectory = ''): IgnoreRules {
  const prefix = normalisePath(baseDirectory);
  const patterns: Pattern[] = [];
  // git skips a UTF-8 byte order mark at the start of the file.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (const rawLine of body.split('\n')) {
    const pattern = parsePatternLine(rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine);
    if (pattern !== undefined) patterns.push(pattern);
  }
  const verdict: VerdictFunction = (path, isDirectory) => {
    // "Patterns read from a .gitignore file in the same directory as the path, or in any parent
    // directory ... with patterns ... relative to the location of the .gitignore file."
    let relative = path;
    if (prefix !== '') {
      if (!path.startsWith(`${prefix}/`)) return undefined;
      relative = path.slice(prefix.length + 1);
    }
    if (relative === '') return undefined;
    // "Within one level of precedence, the last matching pattern decides the outcome."
    for (let index = patterns.length - 1; index >= 0; index--) {
      const pattern = patterns[index] as Pattern;
      if (pattern.directoryOnly && !isDirectory) continue;
      if (pattern.glob !== undefined && matchGlob(pattern.glob, relative)) return pattern.negated ? 'included' : 'ignored';
    }
    return undefined;
  };
  return createRules(verdict);
}

/** In order; for each path the last rules that have an opinion (ignored or re-included) win. */
export function combineRules(rules: readonly IgnoreRules[]): IgnoreRules {
  const layers = rules.map(verdictOf);
  return createRules((path, isDirectory) => {
    for (let index = layers.length - 1; index >= 0; index--) {
      const verdict = (layers[index] as VerdictFunction)(path, isDirectory);
      if (verdict !== undefined) return verdict;
    }
    return undefined;
  });
}

function verdictOf(rules: IgnoreRules): VerdictFunction {
  // Rules made elsewhere expose only a boolean, so they can ignore but never visibly re-include.
  return verdictsByRules.get(rules) ?? ((path, isDirectory) => (rules.ignores(path, isDirectory) ? 'ignored' : undefined));
}

function createRules(verdict: VerdictFunction): IgnoreRules {
  const excludedDirectories = new Map<string, boolean>();
  // "It is not possible to re-include a file if a parent directory of that file is excluded. Git
  // doesn't list excluded directories for performance reasons, so any patterns on contained files
  // have no effect." Hence a path is ignored when any ancestor directory is.
  const isExcludedDirectory = (directory: string): boolean => {
    const known = excludedDirectories.get(directory);
    if (known !== undefined) return known;
    const parent = parentOf(directory);
    const excluded = (parent !== '' && isExcludedDirectory(parent)) || verdict(directory, true) === 'ignored';
    if (excludedDirectories.size >= DIRECTORY_MEMO_LIMIT) excludedDirectories.clear();
    excludedDirectories.set(directory, excluded);
    return excluded;
  };
  const rules: IgnoreRules = Object.freeze({
    ignores(relativePath: string, isDirectory: boolean): boolean {
      const path = normalisePath(relativePath);
      if (path === '') return false;
      const parent = parentOf(path);
      if (parent !== '' && isExcludedDirectory(parent)) return true;
      return verdict(path, isDirectory) === 'ignored';
    },
  });
  verdictsByRules.set(rules, verdict);
  return rules;
}

function parsePatternLine(line: string): Pattern | undefined {
  // "A line starting with # serves as a comment. Put a backslash in front of the first hash for
  // patterns that begin with a hash."
  if (line.startsWith('#')) return undefined;
  let body = trimTrailingSpaces(line);
  let negated = false;
  // "An optional prefix "!" which negates the pattern"; `\!` is handled as an ordinary escape.
  if (body.startsWith('!')) {
    negated = true;
    body = body.slice(1);
  }
  let directoryOnly = false;
  // "If there is a separator at the end of the pattern then the pattern will only match directories."
  if (body.endsWith('/')) {
    directoryOnly = true;
    body = body.slice(0, -1);
  }
  // "A blank line matches no files."
  if (body === '') return undefined;
  // "If there is a separator at the beginning or middle (or both) of the pattern, then the pattern
  // is relative to the directory level of the particular .gitignore file itself. Otherwise the
  // pattern may also match at any level below the .gitignore level."
  const anchored = body.includes('/');
  if (body.startsWith('/')) body = body.slice(1);
  return { glob: compileGlob(body, !anchored), negated, directoryOnly };
}

/**
 * "Trailing spaces are ignored unless they are quoted with backslash." This is git's own
 * trim_trailing_spaces: a backslash protects the character after it.
 */
function trimTrailingSpaces(line: string): string {
  let runStart = -1;
  for (let index = 0; index < line.length; index++) {
    const character = line[index];
    if (character === ' ') {
      if (runStart < 0) runStart = index;
      continue;
    }
    if (character === '\\') index++;
    runStart = -1;
  }
  return runStart < 0 ? line : line.slice(0, runStart);
}

function normalisePath(path: string): string {
  return path.replace(/^(?:\.\/)+/u, '').replace(/^\/+|\/+$/gu, '');
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}
