import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGitignore } from '../../src/index/gitignore.js';
import { walkFolder } from '../../src/index/walker.js';
import { compileGlob, matchGlob } from '../../src/index/wildmatch.js';
import { seededRandom } from '../support/seeded-random.js';

/** Whether `glob` matches all of `path`, at any depth when `anyDepth`. */
function matches(glob: string, path: string, anyDepth = false): boolean {
  const compiled = compileGlob(glob, anyDepth);
  return compiled !== undefined && matchGlob(compiled, path);
}

/**
 * The reference: the same glob as a backtracking regular expression, as gitignore.ts compiled it
 * before, for the pieces the random globs below are made of. Exponential on hostile input, so it
 * only ever sees short globs and paths. `s`: "." must match a newline, which a file name may hold.
 */
function referenceMatches(glob: string, path: string, anyDepth: boolean): boolean {
  const characters = Array.from(glob);
  let source = '';
  for (let index = 0; index < characters.length; ) {
    const character = characters[index] as string;
    if (character === '*') {
      let runEnd = index;
      while (characters[runEnd] === '*') runEnd++;
      const wholeComponent =
        runEnd - index >= 2 && (index === 0 || characters[index - 1] === '/') && (runEnd === characters.length || characters[runEnd] === '/');
      if (!wholeComponent) source += '[^/]*';
      else if (runEnd === characters.length) source += '.*';
      else {
        source += '(?:.*/)?';
        runEnd++;
      }
      index = runEnd;
    } else if (character === '?') {
      source += '[^/]';
      index++;
    } else if (character === '[') {
      const close = characters.indexOf(']', index + 2);
      const members = characters.slice(index + 1, close).join('');
      source += members.startsWith('!') ? `(?!/)[^${members.slice(1)}]` : `[${members}]`;
      index = close + 1;
    } else {
      source += character === '.' ? '\\.' : character;
      index++;
    }
  }
  return new RegExp(`^${anyDepth ? '(?:.*/)?' : ''}${source}$`, 'su').test(path);
}

const GLOB_PIECES = ['a', 'b', '/', '*', '**', '?', '[ab]', '[!a]', '[a-c]', '.'];
const PATH_PIECES = ['a', 'b', 'c', '/', '.', '\n', 'é'];

function pick<Item>(random: () => number, items: readonly Item[]): Item {
  return items[Math.floor(random() * items.length)] as Item;
}

function randomString(random: () => number, pieces: readonly string[], maxPieces: number): string {
  const count = 1 + Math.floor(random() * maxPieces);
  return Array.from({ length: count }, () => pick(random, pieces)).join('');
}

describe('matchGlob', () => {
  it('agrees with the backtracking reference on thousands of seeded small cases', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 4000; round++) {
      const glob = randomString(random, GLOB_PIECES, 6);
      const path = randomString(random, PATH_PIECES, 8);
      const anyDepth = random() < 0.5;
      // The case is in the message, so a failure can be replayed on its own.
      expect(matches(glob, path, anyDepth), JSON.stringify({ round, glob, path, anyDepth })).toBe(referenceMatches(glob, path, anyDepth));
    }
  });

  it('reads ** by its place in the path, and keeps * and ? out of other components', () => {
    expect(matches('a/**/b', 'a/b')).toBe(true);
    expect(matches('a/**/b', 'a/x/y/b')).toBe(true);
    expect(matches('a/**/b', 'a/xb')).toBe(false);
    expect(matches('a/**', 'a/x/y')).toBe(true);
    expect(matches('a/**', 'a')).toBe(false);
    expect(matches('a**b', 'a/b')).toBe(false);
    expect(matches('a*', 'ab/c')).toBe(false);
    expect(matches('a?c', 'a/c')).toBe(false);
    expect(matches('[!a]', '/')).toBe(false);
    expect(matches('c', 'a/b/c', true)).toBe(true);
    expect(matches('c', 'a/bc', true)).toBe(false);
  });

  it('matches newlines and control characters like any other character but "/"', () => {
    expect(matches('*', 'line\nbreak')).toBe(true);
    expect(matches('x', 'first\nline/x', true)).toBe(true);
    expect(matches('a?b', 'a\u0000b')).toBe(true);
    expect(matches('[[:cntrl:]]', '\u0007')).toBe(true);
    expect(matches('[[:space:]]', '\u000b')).toBe(true);
  });

  it('treats a glob git would abort on as matching nothing', () => {
    expect(compileGlob('[abc', false)).toBeUndefined();
    expect(compileGlob('x\\', false)).toBeUndefined();
    expect(compileGlob('[[:nosuch:]]', false)).toBeUndefined();
  });
});

describe('hostile patterns', () => {
  const manyStars = (count: number): string => `${'*a'.repeat(count)}*b`;

  it('match many stars against long names without backtracking', () => {
    for (const stars of [10, 12, 30]) {
      for (const length of [40, 1000]) {
        expect(matches(manyStars(stars), 'a'.repeat(length), true)).toBe(false);
        expect(matches(manyStars(stars), `${'a'.repeat(length)}b`, true)).toBe(true);
      }
    }
    const deep = Array.from({ length: 200 }, () => 'a').join('/');
    expect(matches(`${'**/a/'.repeat(20)}b`, deep)).toBe(false);
    expect(matches(`${'**/a/'.repeat(20)}b`, `${deep}/b`)).toBe(true);
    expect(matches(`${'*?'.repeat(40)}b`, 'a'.repeat(2000))).toBe(false);
  });

  it('finish for seeded random globs of stars and letters against long names', () => {
    const random = seededRandom(42);
    for (let round = 0; round < 200; round++) {
      const glob = randomString(random, ['*', '*', '*', 'a', 'b', '?', '/', '**/'], 60);
      const path = randomString(random, ['a', 'a', 'a', 'b', '/'], 400);
      const result = matches(glob, path, random() < 0.5);
      expect(typeof result).toBe('boolean');
    }
  });

  it('a .gitignore of many stars walks a folder of long names (it took minutes with a regular expression)', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'rlm-wildmatch-'));
    try {
      await writeFile(join(folder, '.gitignore'), `${manyStars(10)}\n${manyStars(12)}\n`);
      await writeFile(join(folder, 'a'.repeat(40)), 'kept\n');
      await writeFile(join(folder, `${'a'.repeat(40)}b`), 'ignored\n');
      const { files, skipped } = await walkFolder(folder);
      expect(files.map((file) => file.path)).toEqual(['a'.repeat(40)]);
      expect(skipped).toContainEqual({ path: `${'a'.repeat(40)}b`, reason: 'ignored' });
      expect(parseGitignore(`${manyStars(12)}\n`).ignores(`dir/${'a'.repeat(200)}`, false)).toBe(false);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
