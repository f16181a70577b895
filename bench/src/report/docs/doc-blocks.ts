import { ReportError } from '../report-error.ts'

/**
 * Generated blocks in hand-written Markdown. A block is delimited by two HTML comments, invisible
 * when rendered:
 *
 * ```md
 * <!-- bench:findings -->
 * (replaced by the renderer at every `pnpm render`)
 * <!-- /bench:findings -->
 * ```
 *
 * Only what lies between a block's two markers is ever rewritten; the markers and all the prose
 * around them stay byte for byte. Numbers that cite a measurement belong inside a block, so that
 * no one types them by hand.
 * @module
 */

const MARKER = /<!--\s*(\/?)bench:([^\s>]*)\s*-->/g
const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/

/** Where one block's content lies in a text. */
export interface DocBlock {
  readonly name: string
  /** Index just after the opening marker. */
  readonly start: number
  /** Index of the closing marker. */
  readonly end: number
}

/**
 * The blocks of a text, in order, checked to be well formed: every name valid, every opening
 * marker closed by its own closing marker before another block opens, no name twice. `file`
 * names the text in errors.
 *
 * @example
 * ```ts
 * findBlocks('a\n<!-- bench:x -->\nold\n<!-- /bench:x -->\n', 'README.md') // [{ name: 'x', ... }]
 * ```
 */
export function findBlocks(text: string, file: string): DocBlock[] {
  const blocks: DocBlock[] = []
  let open: { name: string; start: number } | undefined
  for (const match of text.matchAll(MARKER)) {
    const [marker, slash, name = ''] = match
    const closing = slash === '/'
    if (!NAME.test(name)) {
      throw blockError(
        file,
        `the marker ${marker} has no valid block name (lower case words joined by -)`,
      )
    }
    if (!closing) {
      if (open !== undefined) {
        throw blockError(
          file,
          `block "${open.name}" is not closed before block "${name}" opens: add <!-- /bench:${open.name} -->`,
        )
      }
      if (blocks.some((block) => block.name === name)) {
        throw blockError(file, `block "${name}" appears twice: keep one`)
      }
      open = { name, start: match.index + marker.length }
    } else {
      if (open === undefined) {
        throw blockError(
          file,
          `block "${name}" is closed but was never opened: add <!-- bench:${name} --> before it`,
        )
      }
      if (open.name !== name) {
        throw blockError(file, `block "${open.name}" is closed by the marker of block "${name}"`)
      }
      blocks.push({ name, start: open.start, end: match.index })
      open = undefined
    }
  }
  if (open !== undefined) {
    throw blockError(file, `block "${open.name}" is never closed: add <!-- /bench:${open.name} -->`)
  }
  return blocks
}

/**
 * `text` with the content of each block replaced by `blocks[name]`, on lines of its own between
 * the markers; everything outside the blocks unchanged. The text must hold exactly the blocks
 * given: a block it has that `blocks` does not know, or one of `blocks` it lacks, is an error
 * naming the block and `file`.
 *
 * @example
 * ```ts
 * replaceBlocks(readme, { findings: '- pg connects in 5.71 ms.' }, 'README.md')
 * ```
 */
export function replaceBlocks(
  text: string,
  blocks: Readonly<Record<string, string>>,
  file: string,
): string {
  const found = findBlocks(text, file)
  const known = Object.keys(blocks)
  for (const block of found) {
    if (!Object.hasOwn(blocks, block.name)) {
      throw blockError(
        file,
        `unknown block "${block.name}"; the blocks of this file are: ${known.join(', ')}`,
      )
    }
  }
  for (const name of known) {
    if (!found.some((block) => block.name === name)) {
      throw blockError(
        file,
        `block "${name}" is missing: add <!-- bench:${name} --> and <!-- /bench:${name} --> where it belongs`,
      )
    }
  }
  let result = ''
  let from = 0
  for (const block of found) {
    result += `${text.slice(from, block.start)}\n${(blocks[block.name] as string).trim()}\n`
    from = block.end
  }
  return result + text.slice(from)
}

function blockError(file: string, problem: string): ReportError {
  return new ReportError('DOC_BLOCKS', `${file}: ${problem}`)
}
