import { describe, expect, it } from 'vitest';
import { combineRules, parseGitignore, type IgnoreRules } from '../../src/index/gitignore.js';

/** The paths (files unless they end in "/") that `text` ignores, out of `paths`. */
function ignoredAmong(text: string, paths: readonly string[], baseDirectory = ''): string[] {
  return selectIgnored(parseGitignore(text, baseDirectory), paths);
}

function selectIgnored(rules: IgnoreRules, paths: readonly string[]): string[] {
  return paths.filter((path) => (path.endsWith('/') ? rules.ignores(path.slice(0, -1), true) : rules.ignores(path, false)));
}

describe('parseGitignore: lines', () => {
  it('skips blank lines and # comments', () => {
    expect(ignoredAmong('# a comment\n\n   \nfoo\n', ['foo', '# a comment', 'bar'])).toEqual(['foo']);
  });

  it('reads \\# as a literal hash and \\! as a literal exclamation mark', () => {
    expect(ignoredAmong('\\#notes\n\\!important\n', ['#notes', 'notes', '!important', 'important'])).toEqual(['#notes', '!important']);
  });

  it('trims trailing spaces unless a backslash escapes them', () => {
    expect(ignoredAmong('foo   \n', ['foo', 'foo '])).toEqual(['foo']);
    expect(ignoredAmong('bar\\ \n', ['bar', 'bar '])).toEqual(['bar ']);
    // Only the unescaped run at the end goes: "baz\ " + " " keeps "baz ".
    expect(ignoredAmong('baz\\  \n', ['baz', 'baz ', 'baz  '])).toEqual(['baz ']);
  });

  it('accepts CRLF line endings and a byte order mark', () => {
    expect(ignoredAmong('\uFEFFfoo\r\n*.log\r\n', ['foo', 'a.log', 'bar'])).toEqual(['foo', 'a.log']);
  });

  it('treats an empty rules file as ignoring nothing', () => {
    expect(ignoredAmong('', ['a', 'b/c', 'd/'])).toEqual([]);
  });
});

describe('parseGitignore: negation', () => {
  it('re-includes with !, and the later pattern wins', () => {
    expect(ignoredAmong('*.log\n!keep.log\n', ['a.log', 'keep.log', 'sub/keep.log'])).toEqual(['a.log']);
    expect(ignoredAmong('!keep.log\n*.log\n', ['a.log', 'keep.log'])).toEqual(['a.log', 'keep.log']);
  });

  it('cannot re-include a file whose parent directory is excluded', () => {
    expect(ignoredAmong('build/\n!build/keep.txt\n', ['build/keep.txt', 'build/other.txt'])).toEqual(['build/keep.txt', 'build/other.txt']);
    expect(ignoredAmong('build\n!build/keep.txt\n', ['build/keep.txt'])).toEqual(['build/keep.txt']);
    expect(ignoredAmong('deep/\n!deep/a/b/keep.txt\n', ['deep/a/b/keep.txt'])).toEqual(['deep/a/b/keep.txt']);
  });

  it('re-includes inside a directory whose contents, not the directory, are excluded', () => {
    expect(ignoredAmong('build/*\n!build/keep.txt\n', ['build/', 'build/keep.txt', 'build/other.txt'])).toEqual(['build/other.txt']);
  });

  it('supports the whitelist idiom: ignore everything, re-include directories and one extension', () => {
    expect(ignoredAmong('*\n!*/\n!*.ts\n', ['src/', 'src/a.ts', 'src/a.js', 'README.md'])).toEqual(['src/a.js', 'README.md']);
  });

  it('re-includes a directory excluded by an earlier pattern', () => {
    expect(ignoredAmong('logs/\n!logs/\n', ['logs/', 'logs/a.txt'])).toEqual([]);
  });
});

describe('parseGitignore: directories only', () => {
  it('a trailing / matches directories and what is inside them, never a file of that name', () => {
    const rules = parseGitignore('logs/\n');
    expect(rules.ignores('logs', true)).toBe(true);
    expect(rules.ignores('logs', false)).toBe(false);
    expect(rules.ignores('logs/today.txt', false)).toBe(true);
    expect(rules.ignores('app/logs', true)).toBe(true);
    expect(rules.ignores('app/logs/x/y.txt', false)).toBe(true);
  });

  it('a trailing / does not by itself anchor the pattern', () => {
    expect(ignoredAmong('frotz/\n', ['frotz/', 'a/frotz/', 'a/b/frotz/'])).toEqual(['frotz/', 'a/frotz/', 'a/b/frotz/']);
  });
});

describe('parseGitignore: anchoring', () => {
  it('a leading / anchors to the .gitignore directory', () => {
    expect(ignoredAmong('/todo\n', ['todo', 'sub/todo', 'todo/x'])).toEqual(['todo', 'todo/x']);
  });

  it('a / in the middle anchors too', () => {
    expect(ignoredAmong('doc/frotz\n', ['doc/frotz', 'a/doc/frotz', 'doc/frotz/x.md'])).toEqual(['doc/frotz', 'doc/frotz/x.md']);
    expect(ignoredAmong('doc/frotz/\n', ['doc/frotz/', 'doc/frotz', 'a/doc/frotz/'])).toEqual(['doc/frotz/']);
  });

  it('a pattern with no / matches at any depth', () => {
    expect(ignoredAmong('frotz\n', ['frotz', 'a/frotz', 'a/b/frotz', 'a/frotz/x', 'frotzy'])).toEqual(['frotz', 'a/frotz', 'a/b/frotz', 'a/frotz/x']);
  });

  it('accepts paths written with a leading ./ or /', () => {
    const rules = parseGitignore('/todo\n');
    expect(rules.ignores('./todo', false)).toBe(true);
    expect(rules.ignores('/todo', false)).toBe(true);
    expect(rules.ignores('', true)).toBe(false);
  });
});

describe('parseGitignore: wildcards', () => {
  it('* matches anything but /', () => {
    expect(ignoredAmong('*.ts\n', ['a.ts', 'src/a.ts', 'a.tsx', '.ts'])).toEqual(['a.ts', 'src/a.ts', '.ts']);
    expect(ignoredAmong('x/a*b\n', ['x/ab', 'x/aXYb', 'x/a/b'])).toEqual(['x/ab', 'x/aXYb']);
  });

  it('? matches exactly one character other than /', () => {
    expect(ignoredAmong('file?.txt\n', ['file1.txt', 'file.txt', 'file10.txt', 'fileé.txt'])).toEqual(['file1.txt', 'fileé.txt']);
    expect(ignoredAmong('x/a?b\n', ['x/a/b', 'x/acb'])).toEqual(['x/acb']);
  });

  it('[...] classes: sets, ranges, negation with ! or ^, literal ] first, literal - at the edges', () => {
    expect(ignoredAmong('file[0-9].txt\n', ['file5.txt', 'filea.txt', 'file55.txt'])).toEqual(['file5.txt']);
    expect(ignoredAmong('[!a]*.md\n', ['b.md', 'a.md', 'abc.md'])).toEqual(['b.md']);
    expect(ignoredAmong('[^a]*.md\n', ['b.md', 'a.md'])).toEqual(['b.md']);
    expect(ignoredAmong('x[]]y\n', ['x]y', 'xy'])).toEqual(['x]y']);
    expect(ignoredAmong('x[a-]y\n', ['x-y', 'xay', 'xby'])).toEqual(['x-y', 'xay']);
    expect(ignoredAmong('x[-a]y\n', ['x-y', 'xay'])).toEqual(['x-y', 'xay']);
    expect(ignoredAmong('x[ab]y\n', ['xay', 'xby', 'xcy'])).toEqual(['xay', 'xby']);
    expect(ignoredAmong('x[\\]]y\n', ['x]y'])).toEqual(['x]y']);
  });

  it('a class never matches /', () => {
    expect(ignoredAmong('a[!x]b\n', ['a/b', 'acb'])).toEqual(['acb']);
    expect(ignoredAmong('a[!a-c]b\n', ['a/b', 'adb'])).toEqual(['adb']);
    // "." to "0" spans "/" in code points, yet the class still never matches it.
    expect(ignoredAmong('a[.-0]b\n', ['a/b', 'a.b', 'a0b'])).toEqual(['a.b', 'a0b']);
  });

  it('POSIX character classes', () => {
    expect(ignoredAmong('[[:digit:]]x\n', ['5x', 'ax'])).toEqual(['5x']);
    expect(ignoredAmong('[[:upper:][:digit:]]x\n', ['Ax', '7x', 'ax'])).toEqual(['Ax', '7x']);
  });

  it('malformed classes match nothing, as in git', () => {
    expect(ignoredAmong('[abc\n', ['[abc', 'a'])).toEqual([]);
    expect(ignoredAmong('[z-a]\n', ['z', 'a', 'm'])).toEqual([]);
    expect(ignoredAmong('[[:nosuch:]]\n', ['a'])).toEqual([]);
    expect(ignoredAmong('trailing\\\n', ['trailing', 'trailing\\'])).toEqual([]);
  });

  it('escapes make wildcard characters literal', () => {
    expect(ignoredAmong('\\*.txt\n\\?\n\\[x]\n', ['*.txt', 'a.txt', '?', 'a', '[x]', 'x'])).toEqual(['*.txt', '?', '[x]']);
  });

  it('characters that mean something in regular expressions are literal', () => {
    expect(ignoredAmong('a.b+(c)|{d}$^\n', ['a.b+(c)|{d}$^', 'aXb+(c)|{d}$^'])).toEqual(['a.b+(c)|{d}$^']);
  });
});

describe('parseGitignore: **', () => {
  it('a leading **/ matches in all directories', () => {
    expect(ignoredAmong('**/foo\n', ['foo', 'a/foo', 'a/b/foo', 'afoo'])).toEqual(['foo', 'a/foo', 'a/b/foo']);
    expect(ignoredAmong('**/foo/bar\n', ['foo/bar', 'x/foo/bar', 'x/y/foo/bar', 'foo/x/bar'])).toEqual(['foo/bar', 'x/foo/bar', 'x/y/foo/bar']);
  });

  it('a trailing /** matches everything inside, not the directory itself', () => {
    expect(ignoredAmong('abc/**\n', ['abc/', 'abc/x', 'abc/x/y', 'abcd/x'])).toEqual(['abc/x', 'abc/x/y']);
    expect(ignoredAmong('abc/**\n!abc/keep\n', ['abc/keep', 'abc/other'])).toEqual(['abc/other']);
  });

  it('/**/ matches zero or more directories', () => {
    expect(ignoredAmong('a/**/b\n', ['a/b', 'a/x/b', 'a/x/y/b', 'a/xb', 'x/a/b'])).toEqual(['a/b', 'a/x/b', 'a/x/y/b']);
  });

  it('** alone matches everything', () => {
    expect(ignoredAmong('**\n', ['a', 'a/b', 'c/'])).toEqual(['a', 'a/b', 'c/']);
  });

  it('other consecutive asterisks are ordinary asterisks', () => {
    expect(ignoredAmong('foo**bar\n', ['fooXbar', 'foobar', 'foo/bar'])).toEqual(['fooXbar', 'foobar']);
    expect(ignoredAmong('x/**y\n', ['x/y', 'x/aay', 'x/a/y'])).toEqual(['x/y', 'x/aay']);
  });
});

describe('parseGitignore: nested base directory', () => {
  it('applies only below its directory, relative to it', () => {
    const paths = ['a.tmp', 'sub/a.tmp', 'sub/deep/a.tmp', 'only-here', 'sub/only-here', 'sub/x/only-here', 'subway/a.tmp'];
    expect(ignoredAmong('*.tmp\n/only-here\n', paths, 'sub')).toEqual(['sub/a.tmp', 'sub/deep/a.tmp', 'sub/only-here']);
  });

  it('accepts a multi-level base and does not match the base directory itself', () => {
    const rules = parseGitignore('**\n', 'sub/dir/');
    expect(rules.ignores('sub/dir', true)).toBe(false);
    expect(rules.ignores('sub/dir/x', false)).toBe(true);
    expect(rules.ignores('sub/other/x', false)).toBe(false);
  });
});

describe('combineRules', () => {
  const root = parseGitignore('*.log\nbuild/\n');
  const nested = parseGitignore('!keep.log\n!build/\n', 'sub');

  it('lets later rules override earlier ones, both ways', () => {
    const paths = ['keep.log', 'sub/keep.log', 'sub/x.log', 'a.txt'];
    expect(selectIgnored(combineRules([root, nested]), paths)).toEqual(['keep.log', 'sub/x.log']);
    expect(selectIgnored(combineRules([nested, root]), paths)).toEqual(['keep.log', 'sub/keep.log', 'sub/x.log']);
  });

  it('a later re-include of a directory works, but not of a file inside an excluded directory', () => {
    const combined = combineRules([root, nested]);
    expect(combined.ignores('sub/build', true)).toBe(false);
    expect(combined.ignores('sub/build/a.js', false)).toBe(false);
    expect(combined.ignores('build/a.js', false)).toBe(true);
    const rescue = parseGitignore('!a.js\n', 'build');
    expect(combineRules([root, rescue]).ignores('build/a.js', false)).toBe(true);
  });

  it('with no rules ignores nothing, and combined rules can be combined again', () => {
    expect(combineRules([]).ignores('anything', false)).toBe(false);
    const again = combineRules([combineRules([root]), nested]);
    expect(selectIgnored(again, ['sub/keep.log', 'x.log'])).toEqual(['x.log']);
  });

  it('accepts IgnoreRules made elsewhere, as rules that can only ignore', () => {
    const foreign: IgnoreRules = { ignores: (path) => path.endsWith('.secret') };
    const combined = combineRules([parseGitignore('!*.secret\n'), foreign]);
    expect(combined.ignores('a.secret', false)).toBe(true);
    expect(combineRules([foreign, parseGitignore('!*.secret\n')]).ignores('a.secret', false)).toBe(false);
  });

  it('does not change when the caller later changes its array', () => {
    const list = [root];
    const combined = combineRules(list);
    list.push(nested);
    expect(combined.ignores('sub/keep.log', false)).toBe(true);
  });
});
