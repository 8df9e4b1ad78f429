/**
 * A .gitignore matcher that follows gitignore(5) and git's wildmatch: each pattern becomes one
 * anchored regular expression over the path relative to the .gitignore's directory.
 *
 * Where this differs from git: paths are matched as Unicode code points rather than bytes (so `?`
 * matches one "é", where git would need two), and matching is always case-sensitive (git's
 * default outside core.ignoreCase).
 */

export interface IgnoreRules {
  /** true when `relativePath` ("src/a.ts", "/"-separated, relative to the folder being walked) is ignored */
  ignores(relativePath: string, isDirectory: boolean): boolean;
}

/** What one set of rules says about one path: the tri-state that lets later rules override earlier ones. */
type Verdict = 'ignored' | 'included' | undefined;
type VerdictFunction = (path: string, isDirectory: boolean) => Verdict;

interface Pattern {
  /** undefined for a malformed pattern (unterminated `[`, trailing `\`), which git never matches. */
  expression: RegExp | undefined;
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
      if (pattern.expression?.test(relative)) return pattern.negated ? 'included' : 'ignored';
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
  const source = globToRegexSource(body);
  const expression = source === undefined ? undefined : new RegExp(`^${anchored ? '' : '(?:.*/)?'}${source}$`, 'u');
  return { expression, negated, directoryOnly };
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

/** The regular expression for one glob, or undefined when git's wildmatch would abort on it. */
function globToRegexSource(glob: string): string | undefined {
  // Code points, so a class or `?` never splits a surrogate pair.
  const characters = Array.from(glob);
  let source = '';
  let index = 0;
  while (index < characters.length) {
    const character = characters[index] as string;
    if (character === '*') {
      let runEnd = index;
      while (characters[runEnd] === '*') runEnd++;
      // "**" is special only as a whole path component; "other consecutive asterisks are
      // considered regular asterisks".
      const wholeComponent =
        runEnd - index >= 2 &&
        (index === 0 || characters[index - 1] === '/') &&
        (runEnd === characters.length || characters[runEnd] === '/');
      if (!wholeComponent) {
        source += '[^/]*';
      } else if (runEnd === characters.length) {
        // "A trailing "/**" matches everything inside."
        source += '.*';
      } else {
        // "A leading "**/" matches in all directories"; "a/**/b" matches "a/b", "a/x/b", "a/x/y/b".
        source += '(?:.*/)?';
        runEnd++;
      }
      index = runEnd;
    } else if (character === '?') {
      source += '[^/]';
      index++;
    } else if (character === '[') {
      const parsed = parseClass(characters, index + 1);
      if (parsed === undefined) return undefined;
      source += parsed.source;
      index = parsed.next;
    } else if (character === '\\') {
      if (index + 1 >= characters.length) return undefined;
      source += escapeLiteral(characters[index + 1] as string);
      index += 2;
    } else {
      source += escapeLiteral(character);
      index++;
    }
  }
  return source;
}

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  blank: ' \\t',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '\\x21-\\x7E',
  lower: 'a-z',
  print: '\\x20-\\x7E',
  punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\n\\r\\f\\v',
  upper: 'A-Z',
  xdigit: '0-9A-Fa-f',
};

/**
 * A bracket expression, read as git's wildmatch reads it: `!` or `^` first negates, `]` first is
 * literal, `\` escapes, `a-z` is a range (a reversed range matches nothing), `[:alpha:]` is a
 * POSIX class, and the class never matches "/". `start` is just past the `[`.
 */
function parseClass(characters: readonly string[], start: number): { source: string; next: number } | undefined {
  let index = start;
  let negated = false;
  if (characters[index] === '!' || characters[index] === '^') {
    negated = true;
    index++;
  }
  const parts: string[] = [];
  let previous: string | undefined;
  let first = true;
  for (;;) {
    if (index >= characters.length) return undefined;
    let character = characters[index] as string;
    if (character === ']' && !first) break;
    first = false;
    if (character === '\\') {
      index++;
      if (index >= characters.length) return undefined;
      character = characters[index] as string;
    } else if (character === '-' && previous !== undefined && index + 1 < characters.length && characters[index + 1] !== ']') {
      index++;
      let last = characters[index] as string;
      if (last === '\\') {
        index++;
        if (index >= characters.length) return undefined;
        last = characters[index] as string;
      }
      parts.pop();
      if ((previous.codePointAt(0) ?? 0) <= (last.codePointAt(0) ?? 0)) parts.push(`${escapeInClass(previous)}-${escapeInClass(last)}`);
      previous = undefined;
      index++;
      continue;
    } else if (character === '[' && characters[index + 1] === ':') {
      const close = characters.indexOf(']', index + 2);
      if (close < 0) return undefined;
      if (close > index + 2 && characters[close - 1] === ':') {
        const posix = POSIX_CLASSES[characters.slice(index + 2, close - 1).join('')];
        if (posix === undefined) return undefined;
        parts.push(posix);
        previous = undefined;
        index = close + 1;
        continue;
      }
      // No ":]": wildmatch reads the "[" as an ordinary member.
    }
    parts.push(escapeInClass(character));
    previous = character;
    index++;
  }
  const members = parts.join('');
  const next = index + 1;
  if (negated) return { source: `(?!/)[^${members}]`, next };
  // Every range was reversed: the class matches nothing.
  if (members === '') return { source: '(?!)', next };
  return { source: `(?!/)[${members}]`, next };
}

function escapeLiteral(character: string): string {
  return /[\\^$.*+?()[\]{}|/]/u.test(character) ? `\\${character}` : character;
}

function escapeInClass(character: string): string {
  return /[\\\]^[-]/u.test(character) ? `\\${character}` : character;
}

function normalisePath(path: string): string {
  return path.replace(/^(?:\.\/)+/u, '').replace(/^\/+|\/+$/gu, '');
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}
