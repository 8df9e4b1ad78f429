#!/usr/bin/env node
/**
 * `npm start`'s prestart: compiles src/ into dist/ only when something the build reads is newer
 * than the last build, so that starting an unchanged checkout costs a directory walk (a few
 * milliseconds) instead of a full `tsc` (9-44 s on a 2-core machine). The stamp is written after
 * a successful build; a failed build leaves dist/ stale and the stamp old, so the next start tries
 * again. Plain JavaScript, so that it runs before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
/** What the build reads: the sources and the settings that shape their output. */
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

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
const build = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write('The build failed; fix the errors above, then run `npm start` again.\n');
  process.exit(build.status ?? 1);
}
writeFileSync(stamp, `${new Date().toISOString()}\n`);
process.stderr.write(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
