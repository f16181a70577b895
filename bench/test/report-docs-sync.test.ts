import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { renderCharts } from '../src/report/charts/report-charts.ts'
import { DOC_FILES } from '../src/report/docs/doc-files.ts'
import { renderDocs } from '../src/report/docs/render-docs.ts'
import { readRun } from '../src/report/load-run.ts'
import { renderResultsMarkdown } from '../src/report/results-markdown.ts'

const REPOSITORY = join(import.meta.dirname, '..', '..')
const DOCS_BENCH = join(REPOSITORY, 'docs', 'bench')
const RECORDED = join(DOCS_BENCH, 'results.json')
const TITLE = 'docs are rendered from docs/bench/results.json'

// Every measured number in the docs comes from the recorded run: rendering it again must give the
// committed files byte for byte. After a change to the report code, or a new run, `pnpm render`.
describe('committed docs', () => {
  if (!existsSync(RECORDED)) {
    it.skip(`${TITLE} (skipped: no recorded run yet; \`pnpm bench\` records docs/bench/results.json)`, () => {})
    return
  }

  it(TITLE, async () => {
    const run = await readRun(RECORDED)
    const hint = 'out of date: run `pnpm render` (in bench/) and commit the result'
    expect(await readFile(join(DOCS_BENCH, 'results.md'), 'utf8'), `results.md ${hint}`).toBe(
      renderResultsMarkdown(run),
    )
    for (const chart of await renderCharts(run)) {
      expect(await readFile(join(DOCS_BENCH, chart.file), 'utf8'), `${chart.file} ${hint}`).toBe(
        chart.svg,
      )
    }
    const texts = new Map<string, string>()
    for (const doc of DOC_FILES)
      texts.set(doc.path, await readFile(join(REPOSITORY, doc.path), 'utf8'))
    for (const [path, text] of renderDocs(run, texts)) {
      expect(texts.get(path), `${path} ${hint}`).toBe(text)
    }
  })
})
