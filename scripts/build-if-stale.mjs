#!/usr/bin/env node
/**
 * `npm start`'s prestart: compiles src/ into dist/ only when something the build reads is newer
 * than the last build, so that starting an unchanged checkout costs a directory walk (a few
 * milliseconds) instead of a full `tsc` (9-44 s on a 2-core machine). The stamp is written after
 * a successful build; a failed build leaves dist/ stale and the stamp old, so the next start tries
 * again. Plain JavaScript, so that it runs before anything is compiled.
 *
 * The web page (src/ui/) is browser code: tsconfig.ui.json compiles it with the DOM library into
 * dist/ui/, and its static files (src/ui/static/: the HTML and the CSS) are copied beside it. The
 * two compilations run at once, since each is mostly one process's start-up and type checking.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
/** What the build reads: the sources and the settings that shape their output. */
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.ui.json', 'package.json', 'package-lock.json'];

function newestMtime(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function stampMtime() {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return -1;
  }
}

const force = process.argv.includes('--force');
const newestInput = Math.max(...inputs.map((input) => newestMtime(join(root, input))));
if (!force && stampMtime() >= newestInput) process.exit(0);

process.stderr.write('Building dist/ (sources changed since the last build)…\n');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const started = Date.now();
const compile = (project) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('exit', (code) => resolve(code ?? 1));
  });
const statuses = await Promise.all([compile('tsconfig.build.json'), compile('tsconfig.ui.json')]);
const failed = statuses.find((status) => status !== 0);
if (failed !== undefined) {
  process.stderr.write('The build failed; fix the errors above, then run `npm start` again.\n');
  process.exit(failed);
}
const staticDir = join(root, 'src', 'ui', 'static');
const uiDir = join(root, 'dist', 'ui');
mkdirSync(uiDir, { recursive: true });
for (const name of readdirSync(staticDir)) copyFileSync(join(staticDir, name), join(uiDir, name));
writeFileSync(stamp, `${new Date().toISOString()}\n`);
process.stderr.write(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
