import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Most tests start real servers or child processes (stand-ins, PostgreSQL, `pnpm render`), and
    // CI runs every package's tests at once on two cores: vitest's 5 s default is too tight.
    testTimeout: 30_000,
    // The JSON report is what `.ci/run` sums into its closing line.
    reporters: ['default', 'json'],
    outputFile: { json: '.reports/vitest.json' },
  },
})
