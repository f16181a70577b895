import type { BenchRun } from '../../bench-results.ts'
import { findingsBlock } from './findings.ts'
import { measuredTable } from './measured-table.ts'
import { pickSummary } from './pick-summary.ts'
import { runSummary } from './run-summary.ts'
import { weightTable } from './weight-table.ts'

/** A document with generated blocks: its path from the repository root, and how each block is rendered. */
export interface DocFile {
  readonly path: string
  readonly blocks: (run: BenchRun) => Record<string, string>
}

/**
 * The documents `pnpm render` keeps in step with the recorded run, and the blocks of each. A block
 * not listed here, or one listed but absent from its file, is an error.
 *
 * @example
 * ```ts
 * for (const doc of DOC_FILES) console.log(doc.path, Object.keys(doc.blocks(run)))
 * ```
 */
export const DOC_FILES: readonly DocFile[] = Object.freeze([
  {
    path: 'docs/driver-comparison.md',
    blocks: (run: BenchRun) => ({
      'run-summary': runSummary(run, 'bench/results.md'),
      'weight-table': weightTable(run),
      'measured-table': measuredTable(run),
      findings: findingsBlock(run),
      'pick-pg': pickSummary(run, 'pg'),
      'pick-postgres-js': pickSummary(run, 'postgres.js'),
      'pick-kysely': pickSummary(run, 'kysely'),
    }),
  },
  {
    path: 'README.md',
    blocks: (run: BenchRun) => ({ findings: findingsBlock(run) }),
  },
])
