import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FeatureFacts } from '../bench-results.ts'
import { countCodeLines } from './features-code-lines.ts'
import { installedClosure } from './features-install-size.ts'
import { FEATURE_TEMPLATES } from './features-templates.ts'

const BYTES_PER_KIB = 1024

/**
 * Static facts of each template, read from the repository at `repoRoot` and its installed
 * packages (see `FEATURE_TEMPLATES` for which packages and files count for which template):
 *
 * - `installKiB` and `packages`: the driver's packages and their production dependency closure as
 *   installed for `examples/<dir>` (`installedClosure`), KiB rounded to the nearest;
 * - `dsqlLines`: lines of code, comments and blank lines left out (`countCodeLines`), summed over
 *   the template's DSQL-specific files in `examples/<dir>/src/`.
 *
 * @example
 * ```ts
 * const facts = await measureFeatures('/path/to/repo')
 * facts.find((row) => row.driver === 'pg')?.packages // e.g. 11
 * ```
 */
export async function measureFeatures(repoRoot: string): Promise<FeatureFacts[]> {
  return Promise.all(
    FEATURE_TEMPLATES.map(async (template): Promise<FeatureFacts> => {
      const dir = join(repoRoot, 'examples', template.dir)
      const installed = await installedClosure(dir, template.packages)
      const lines = await Promise.all(
        template.files.map(async (file) =>
          countCodeLines(await readFile(join(dir, 'src', file), 'utf8')),
        ),
      )
      return {
        driver: template.driver,
        installKiB: Math.round(installed.bytes / BYTES_PER_KIB),
        packages: installed.packageDirs.length,
        dsqlLines: lines.reduce((sum, count) => sum + count, 0),
      }
    }),
  )
}
