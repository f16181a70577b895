import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import type { BenchRun } from '../bench-results.ts'
import { renderCharts } from './charts/report-charts.ts'
import { DOC_FILES } from './docs/doc-files.ts'
import { renderDocs } from './docs/render-docs.ts'
import { ReportError } from './report-error.ts'
import { renderResultsMarkdown } from './results-markdown.ts'

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  /** Where `results.json`, `results.md` and the charts go (`docs/bench` for the committed run). */
  readonly outDir: string
  /**
   * Also re-render the generated blocks of `docs/driver-comparison.md` and `README.md`. Their
   * chart links point at `docs/bench/`, so `outDir` must then be `<repoRoot>/docs/bench`.
   */
  readonly docs: boolean
  /** The repository root, where the docs are. */
  readonly repoRoot: string
}

/**
 * Writes everything a run's report consists of: `results.json` (the run itself, written first so
 * that it survives any later failure and can be re-rendered with `pnpm render`), `results.md`, one
 * SVG per chart, and with `docs` the generated blocks of the docs, all rendered before any of them
 * is written. The options are checked before anything at all is written: `docs` with an `outDir`
 * other than `<repoRoot>/docs/bench` is a `BAD_OPTIONS` error that leaves the disk untouched.
 * Returns the files written, relative to `repoRoot` when inside it.
 *
 * @example
 * ```ts
 * const written = await writeReport(run, {
 *   outDir: join(repoRoot, 'docs/bench'),
 *   docs: true,
 *   repoRoot,
 * })
 * console.log(`wrote ${written.join(', ')}`)
 * ```
 */
export async function writeReport(run: BenchRun, options: WriteReportOptions): Promise<string[]> {
  const repoRoot = resolve(options.repoRoot)
  const outDir = resolve(options.outDir)
  const docsBench = join(repoRoot, 'docs', 'bench')
  if (options.docs && outDir !== docsBench) {
    throw new ReportError(
      'BAD_OPTIONS',
      `the docs link to the charts in ${docsBench}, but this report would go to ${outDir}: write it to ${docsBench}, or without docs (and render the docs from it later with \`pnpm render ${join(outDir, 'results.json')} --out ${docsBench}\`)`,
    )
  }
  const written: string[] = []
  const write = async (path: string, text: string) => {
    await writeFile(path, text)
    written.push(path.startsWith(repoRoot + sep) ? relative(repoRoot, path) : path)
  }
  await mkdir(outDir, { recursive: true })
  await write(join(outDir, 'results.json'), `${JSON.stringify(run, null, 2)}\n`)
  await write(join(outDir, 'results.md'), renderResultsMarkdown(run))
  for (const chart of await renderCharts(run)) await write(join(outDir, chart.file), chart.svg)
  if (!options.docs) return written
  const docs = renderDocs(run, await readDocs(repoRoot))
  for (const [path, text] of docs) await write(join(repoRoot, path), text)
  return written
}

async function readDocs(repoRoot: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>()
  for (const doc of DOC_FILES) texts.set(doc.path, await readFile(join(repoRoot, doc.path), 'utf8'))
  return texts
}
