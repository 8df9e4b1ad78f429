import { defineConfig } from 'vitest/config';

// The browser suites: a real Chromium (Debian's, /usr/bin/chromium, which .ci/run installs) driven
// by playwright-core, against rlm in front of the simulator or, for the Open WebUI test, in front of
// a real Open WebUI. A browser start and a page load take seconds on 2 shared cores, so files run
// one at a time and tests get minutes. Screenshots go under test-output/ (git-ignored).
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
});
