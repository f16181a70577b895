import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The JSON report is what `.ci/run` sums into its closing line.
    reporters: ['default', 'json'],
    outputFile: { json: '.reports/vitest.json' },
  },
})
