import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-model suites need a real Ollama: npm run test:real (vitest.real.config.ts); the
    // browser suites need Chromium (and Open WebUI): npm run test:browser (vitest.browser.config.ts).
    exclude: ['test/real/**', 'test/browser/**', 'node_modules/**'],
    // Tests start real servers on port 0; each file gets its own process so one file's sockets
    // never leak into another's.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
