import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Host code runs from the built dist/ and is imported natively by Node, not through
    // Vite's module runner, so plugin imports and their `import 'plugboard'` behave as in production.
    server: { deps: { external: [/\/dist\//] } },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
