import type { BenchRun } from '../../bench-results.ts'
import { replaceBlocks } from './doc-blocks.ts'
import { DOC_FILES } from './doc-files.ts'

/**
 * The documents of {@link DOC_FILES} with their generated blocks rendered from `run`. `texts` holds
 * each document's current text by its path from the repository root; every document is rendered
 * before any is returned, so one with a bad block fails the whole step and none is half updated.
 *
 * @example
 * ```ts
 * const texts = new Map([['README.md', readme], ['docs/driver-comparison.md', guide]])
 * for (const [path, text] of renderDocs(run, texts)) await writeFile(join(repoRoot, path), text)
 * ```
 */
export function renderDocs(run: BenchRun, texts: ReadonlyMap<string, string>): Map<string, string> {
  const rendered = new Map<string, string>()
  for (const doc of DOC_FILES) {
    const text = texts.get(doc.path)
    if (text === undefined) throw new RangeError(`renderDocs() needs the text of ${doc.path}`)
    rendered.set(doc.path, replaceBlocks(text, doc.blocks(run), doc.path))
  }
  return rendered
}
