import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One cluster for the whole run: dsql-local, or the real one named by CLUSTER_ENDPOINT.
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/use-cluster-env.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The JSON report is what the repository's CI sums.
    reporters: ['default', 'json'],
    outputFile: { json: '.reports/vitest.json' },
  },
})
