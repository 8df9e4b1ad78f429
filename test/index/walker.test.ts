import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFolder, readTextFile, walkFolder } from '../../src/index/walker.js';

let root: string;

/** Writes every file (creating its folders); string contents are written as UTF-8. */
async function writeTree(base: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [path, contents] of Object.entries(files)) {
    const absolutePath = join(base, path);
    await mkdir(join(absolutePath, '..'), { recursive: true });
    await writeFile(absolutePath, contents);
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rlm-walker-'));
  await writeTree(root, {
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.git/objects/ab/cdef': 'x',
    'node_modules/pkg/index.js': 'module.exports = 1;\n',
    'src/node_modules/inner.js': 'x\n',
    '.gitignore': '# root rules\n*.log\nbuild/\n!important.log\n/root-only.txt\n',
    'a.ts': 'export const a = 1;\n',
    'important.log': 'keep me\n',
    'debug.log': 'noise\n',
    'root-only.txt': 'ignored at the root only\n',
    'build/out.js': 'built\n',
    'docs/readme.md': '# Docs\n',
    'docs/.gitignore': 'draft.md\n!*.log\n',
    'docs/draft.md': 'not yet\n',
    'docs/notes.log': 'the nested file re-includes logs below docs/\n',
    'docs/root-only.txt': 'the root rule is anchored, so this one stays\n',
    'other/draft.md': 'the nested rule does not apply here\n',
    'image.bin': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]),
    'big.txt': 'x'.repeat(1024 * 1024 + 1),
    'limit.txt': 'y'.repeat(1024 * 1024),
    'latin1.txt': new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]),
    'bom.txt': '\uFEFFhello\n',
    'empty.txt': '',
    'src/b.ts': 'export const b = 2;\n',
  });
  await symlink(join(root, 'a.ts'), join(root, 'link.ts'));
  await symlink(join(root, 'src'), join(root, 'linked-src'));
  await symlink(join(root, 'missing'), join(root, 'dangling'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('walkFolder', () => {
  it('lists the indexable files in path order and reports what it left out', async () => {
    const { files, skipped } = await walkFolder(root);
    expect(files.map((file) => file.path)).toEqual([
      'a.ts',
      'bom.txt',
      'docs/notes.log',
      'docs/readme.md',
      'docs/root-only.txt',
      'empty.txt',
      'important.log',
      'latin1.txt',
      'limit.txt',
      'other/draft.md',
      'src/b.ts',
    ]);
    expect(skipped).toEqual([
      { path: '.git', reason: 'ignored' },
      { path: '.gitignore', reason: 'ignored' },
      { path: 'big.txt', reason: 'too_large' },
      { path: 'build', reason: 'ignored' },
      { path: 'debug.log', reason: 'ignored' },
      { path: 'docs/.gitignore', reason: 'ignored' },
      { path: 'docs/draft.md', reason: 'ignored' },
      { path: 'image.bin', reason: 'binary' },
      { path: 'node_modules', reason: 'ignored' },
      { path: 'root-only.txt', reason: 'ignored' },
      { path: 'src/node_modules', reason: 'ignored' },
    ]);
  });

  it('gives each file its absolute path and size', async () => {
    const { files } = await walkFolder(root);
    expect(files.find((file) => file.path === 'src/b.ts')).toEqual({
      path: 'src/b.ts',
      absolutePath: join(root, 'src', 'b.ts'),
      size: Buffer.byteLength('export const b = 2;\n'),
    });
    expect(files.find((file) => file.path === 'empty.txt')?.size).toBe(0);
  });

  it('honours maxFileBytes, keeping a file of exactly that size', async () => {
    // a.ts is exactly 20 bytes.
    const { files, skipped } = await walkFolder(root, { maxFileBytes: 20 });
    expect(files.map((file) => file.path)).not.toContain('docs/notes.log');
    expect(skipped).toContainEqual({ path: 'docs/notes.log', reason: 'too_large' });
    expect(files.map((file) => file.path)).toContain('a.ts');
  });

  it('gives the same answer every time', async () => {
    expect(await walkFolder(root)).toEqual(await walkFolder(root));
  });

  it('throws the signal reason when aborted', async () => {
    const reason = new Error('stop walking');
    await expect(walkFolder(root, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('rejects when the root does not exist, and on a bad maxFileBytes', async () => {
    await expect(walkFolder(join(root, 'no-such-folder'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(walkFolder(root, { maxFileBytes: -1 })).rejects.toBeInstanceOf(RangeError);
  });

  // Root reads through any permission, so this can only be shown as another user.
  it.skipIf(process.getuid?.() === 0 || process.platform === 'win32')('reports a folder or file it cannot read as unreadable', async () => {
    const locked = await mkdtemp(join(tmpdir(), 'rlm-walker-locked-'));
    try {
      await writeTree(locked, { 'ok.txt': 'fine\n', 'closed/secret.txt': 'hidden\n', 'private.txt': 'mine\n' });
      await chmod(join(locked, 'closed'), 0o000);
      await chmod(join(locked, 'private.txt'), 0o000);
      const { files, skipped } = await walkFolder(locked);
      expect(files.map((file) => file.path)).toEqual(['ok.txt']);
      expect(skipped).toEqual([
        { path: 'closed', reason: 'unreadable' },
        { path: 'private.txt', reason: 'unreadable' },
      ]);
    } finally {
      await chmod(join(locked, 'closed'), 0o755);
      await rm(locked, { recursive: true, force: true });
    }
  });
});

describe('checkFolder', () => {
  it('accepts a folder it can list', async () => {
    expect(await checkFolder(root)).toBeUndefined();
  });

  it('says what is wrong: nothing there, a file, a folder that cannot be listed', async () => {
    expect(await checkFolder(join(root, 'no-such-folder'))).toEqual({ problem: 'missing' });
    expect(await checkFolder(join(root, 'a.ts', 'below'))).toEqual({ problem: 'missing' });
    expect(await checkFolder(join(root, 'a.ts'))).toEqual({ problem: 'not_a_folder', isFile: true });
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const deps = { stat: async () => ({ isDirectory: () => true, isFile: () => false }), readdir: async () => Promise.reject(denied) };
    expect(await checkFolder('/locked', deps)).toEqual({ problem: 'unreadable', code: 'EACCES' });
    expect(await checkFolder('/locked', { ...deps, stat: async () => Promise.reject(denied) })).toEqual({ problem: 'unreadable', code: 'EACCES' });
    expect(await checkFolder('/dev/null')).toEqual({ problem: 'not_a_folder', isFile: false });
  });
});

describe('readTextFile', () => {
  it('returns the text of a UTF-8 file', async () => {
    expect(await readTextFile(join(root, 'a.ts'))).toEqual({ text: 'export const a = 1;\n' });
    expect(await readTextFile(join(root, 'empty.txt'))).toEqual({ text: '' });
  });

  it('removes a leading byte order mark', async () => {
    expect(await readTextFile(join(root, 'bom.txt'))).toEqual({ text: 'hello\n' });
  });

  it('skips invalid UTF-8, binary and unreadable files', async () => {
    expect(await readTextFile(join(root, 'latin1.txt'))).toEqual({ skipped: 'not_utf8' });
    expect(await readTextFile(join(root, 'image.bin'))).toEqual({ skipped: 'binary' });
    expect(await readTextFile(join(root, 'no-such-file.txt'))).toEqual({ skipped: 'unreadable' });
    expect(await readTextFile(join(root, 'docs'))).toEqual({ skipped: 'unreadable' });
  });

  it('only looks for NUL bytes in the first 8 KiB', async () => {
    const path = join(root, 'late-nul.tmp');
    await writeFile(path, Buffer.concat([Buffer.from('a'.repeat(8 * 1024)), Buffer.from([0])]));
    try {
      const read = await readTextFile(path);
      expect('text' in read && read.text.length).toBe(8 * 1024 + 1);
    } finally {
      await rm(path);
    }
  });
});
