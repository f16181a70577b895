// Sums the vitest JSON reports of every workspace package that has a `test` script and prints
// `tests: N passed, M failed`. A package whose report is missing counts as one failed test:
// its runner crashed before it could report.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

let passed = 0
let failed = 0
let missing = 0
// The workspace's packages: every folder of `packages/` and `examples/`, and `bench/`.
const dirs = ['packages', 'examples']
  .filter((group) => existsSync(group))
  .flatMap((group) => readdirSync(group).map((name) => join(group, name)))
  .concat(existsSync('bench') ? ['bench'] : [])
for (const dir of dirs) {
  const manifest = join(dir, 'package.json')
  if (!existsSync(manifest) || !JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test) continue
  const report = join(dir, '.reports', 'vitest.json')
  if (!existsSync(report)) {
    console.error(`ci: ${dir} has a test script but wrote no ${report}`)
    missing++
    continue
  }
  const { numPassedTests, numFailedTests, numTotalTests } = JSON.parse(readFileSync(report, 'utf8'))
  console.log(`ci: ${dir}: ${numPassedTests} passed, ${numFailedTests} failed of ${numTotalTests}`)
  passed += numPassedTests
  failed += numFailedTests
}
failed += missing
console.log(`tests: ${passed} passed, ${failed} failed`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
