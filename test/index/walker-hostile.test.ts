/**
 * A folder built to trip the walker up: names with newlines, control characters and terminal
 * escapes, unicode in both normal forms, names as long as the file system allows, names that look
 * like `..`, names that are not UTF-8, a FIFO, and symlinks that loop or point outside. The walk
 * must finish, list only real files inside the root, and carry every odd name through an index.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../src/index/build.js';
import { readIndex } from '../../src/index/index-store.js';
import { readTextFile, walkFolder } from '../../src/index/walker.js';
import { createOllamaClient } from '../../src/llm/ollama-client.js';
import { startSimulator, type Simulator } from '../simulator/index.js';

let directory: string;
let root: string;

/** Names that are plain files with text in them: every one must be listed, exactly as named. */
const ODD_NAMES = [
  'line\nbreak.txt',
  'carriage\rreturn.txt',
  'tab\there.txt',
  'bell\u0007and\u0001soh.txt',
  'escape\u001b[2J\u001b[31mred.txt',
  'csi\u009bnext.txt',
  'right-to-left\u202Etxt.exe',
  'zero\u200bwidth.txt',
  'line\u2028separator.txt',
  'café-nfc.md',
  'cafe\u0301-nfd.md',
  'emoji-🦙.md',
  '名前.md',
  '...',
  '..txt',
  '..hidden',
  'dots..',
  '. .',
  '.. ',
  ' leading space',
  'trailing space ',
  '-rf',
  'back\\slash.txt',
  'star*and[class]?.txt',
  '#not-a-comment.txt',
  '!not-negated.txt',
  'x'.repeat(251) + '.txt',
  'é'.repeat(127),
];

const DEEP = Array.from({ length: 40 }, (_, level) => `level-${String(level).padStart(2, '0')}-${'d'.repeat(40)}`).join('/');

/** Bytes that are not UTF-8: the name comes back from readdir with U+FFFD in it. */
const NOT_UTF8 = Buffer.from([0x62, 0x61, 0x64, 0x2d, 0xff, 0xfe, 0x2e, 0x74, 0x78, 0x74]);

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'rlm-walker-hostile-'));
  root = join(directory, 'root');
  await mkdir(join(root, 'sub'), { recursive: true });
  for (const name of ODD_NAMES) {
    await writeFile(join(root, name), `text of ${JSON.stringify(name)}\n`);
    await writeFile(join(root, 'sub', name), `nested ${JSON.stringify(name)}\n`);
  }
  // A folder whose own name is odd, holding a file.
  await mkdir(join(root, 'folder\nwith newline ..'));
  await writeFile(join(root, 'folder\nwith newline ..', 'inside.txt'), 'inside\n');
  await mkdir(join(root, DEEP), { recursive: true });
  await writeFile(join(root, DEEP, 'bottom.txt'), 'the bottom\n');
  // Not UTF-8: a file and a folder (with a file in it), created through Buffer paths.
  await writeFile(Buffer.concat([Buffer.from(`${root}/`), NOT_UTF8]), 'bytes\n');
  const badFolder = Buffer.concat([Buffer.from(`${root}/`), NOT_UTF8, Buffer.from('-dir')]);
  await mkdir(badFolder);
  await writeFile(Buffer.concat([badFolder, Buffer.from('/inside.txt')]), 'bytes\n');
  // Outside the root: what a symlink might lead to.
  await writeFile(join(directory, 'outside-secret.txt'), 'must never be indexed\n');
  await symlink('.', join(root, 'loop-to-self'));
  await symlink('..', join(root, 'sub', 'loop-to-parent'));
  await symlink(join(root, 'sub'), join(root, 'sub', 'loop-absolute'));
  await symlink('self-loop', join(root, 'self-loop'));
  await symlink('ping', join(root, 'pong'));
  await symlink('pong', join(root, 'ping'));
  await symlink('../outside-secret.txt', join(root, 'escape-relative.txt'));
  await symlink(directory, join(root, 'escape-absolute'));
  await symlink('/', join(root, 'filesystem-root'));
  await symlink(join(directory, 'outside-secret.txt'), join(root, '.gitignore-is-a-link'));
  // A FIFO would block a reader forever.
  if (process.platform !== 'win32') execFileSync('mkfifo', [join(root, 'named-pipe.txt')]);
  // Patterns built from the odd names: a control character, a literal star, a unicode class.
  await writeFile(join(root, 'sub', '.gitignore'), 'bell\u0007*\n\\#not-a-comment.txt\nstar\\*and\\[class]\\?.txt\n[é]*\n');
});
afterAll(async () => rm(directory, { recursive: true, force: true }));

describe('walking a hostile folder', () => {
  it('lists every odd name as a file, skips what it cannot read, and follows no link', { timeout: 60_000 }, async () => {
    const { files, skipped } = await walkFolder(root);
    const paths = files.map((file) => file.path);
    const ignoredBelowSub = ['sub/bell\u0007and\u0001soh.txt', 'sub/#not-a-comment.txt', 'sub/star*and[class]?.txt', `sub/${'é'.repeat(127)}`];
    const expected = [
      ...ODD_NAMES,
      ...ODD_NAMES.map((name) => `sub/${name}`).filter((path) => !ignoredBelowSub.includes(path)),
      'folder\nwith newline ../inside.txt',
      `${DEEP}/bottom.txt`,
    ];
    expect([...paths].sort()).toEqual([...expected].sort());
    expect(skipped.filter((file) => file.reason === 'ignored').map((file) => file.path).sort()).toEqual([...ignoredBelowSub, 'sub/.gitignore'].sort());
    // Names that are not UTF-8 cannot be opened by their decoded name: reported as such, not fatal.
    expect(skipped.filter((file) => file.reason === 'name_not_utf8').map((file) => file.path)).toEqual(['bad-\uFFFD\uFFFD.txt', 'bad-\uFFFD\uFFFD.txt-dir']);
    expect(skipped.filter((file) => file.reason === 'unreadable')).toEqual([]);
  });

  it('never leaves the root, and never lists a link, a pipe or what lies outside', async () => {
    const { files, skipped } = await walkFolder(root);
    for (const file of files) {
      expect(file.absolutePath).toBe(join(root, file.path));
      const inside = relative(root, resolve(root, file.path));
      expect(inside.startsWith('..') && (inside === '..' || inside.startsWith(`..${sep}`)), JSON.stringify(file.path)).toBe(false);
      expect(file.path.split('/')).not.toContain('..');
      expect(file.path.split('/')).not.toContain('');
    }
    const everything = [...files, ...skipped].map((entry) => entry.path);
    for (const name of ['loop-to-self', 'sub/loop-to-parent', 'sub/loop-absolute', 'self-loop', 'ping', 'pong', 'escape-relative.txt', 'escape-absolute', 'filesystem-root', '.gitignore-is-a-link', 'named-pipe.txt']) {
      expect(everything).not.toContain(name);
    }
    expect(files.some((file) => file.path.includes('outside-secret'))).toBe(false);
  });

  it('keeps every odd path intact through an index on disk', { timeout: 60_000 }, async () => {
    const simulator: Simulator = await startSimulator();
    try {
      const ollama = createOllamaClient({ baseUrl: simulator.url, timeoutMs: 5000 });
      const dataDir = join(directory, 'data');
      const result = await buildIndex(ollama, { root, name: 'hostile', model: 'nomic-embed-text', dataDir });
      const { files } = await walkFolder(root);
      expect(result.manifest.fileCount).toBe(files.length);
      const index = (await readIndex(dataDir, 'hostile'))!;
      expect([...new Set(index.chunks.map((chunk) => chunk.path))].sort()).toEqual(files.map((file) => file.path).sort());
      const chunk = index.chunks.find((candidate) => candidate.path === 'line\nbreak.txt');
      expect(chunk?.text).toBe(`text of ${JSON.stringify('line\nbreak.txt')}`);
    } finally {
      await simulator.close();
    }
  });
});

describe('a file swapped after the walk listed it', () => {
  // The build reads every file's text after the whole walk, so the gap is as long as the walk.
  it('is not followed when it became a symlink to outside the root', async () => {
    const path = join(root, 'swapped-for-link.txt');
    await writeFile(path, 'innocent\n');
    const { files } = await walkFolder(root);
    const listed = files.find((file) => file.path === 'swapped-for-link.txt')!;
    await rm(path);
    await symlink(join(directory, 'outside-secret.txt'), path);
    expect(await readTextFile(listed.absolutePath)).toEqual({ skipped: 'unreadable' });
    await rm(path);
  });

  it.skipIf(process.platform === 'win32')('does not block when it became a FIFO', { timeout: 20_000 }, async () => {
    const path = join(root, 'swapped-for-fifo.txt');
    await writeFile(path, 'innocent\n');
    const { files } = await walkFolder(root);
    const listed = files.find((file) => file.path === 'swapped-for-fifo.txt')!;
    execFileSync('mkfifo', [`${path}.fifo`]);
    await rename(`${path}.fifo`, path);
    expect(await readTextFile(listed.absolutePath)).toEqual({ skipped: 'unreadable' });
    await rm(path);
  });
});
