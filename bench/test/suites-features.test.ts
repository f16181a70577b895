import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ts from 'typescript'
import { describe, expect, test } from 'vitest'
import { measureFeatures } from '../src/suites/features.ts'
import { countCodeLines } from '../src/suites/features-code-lines.ts'
import { installedClosure } from '../src/suites/features-install-size.ts'
import { FEATURE_TEMPLATES } from '../src/suites/features-templates.ts'

const REPOSITORY = join(import.meta.dirname, '..', '..')
const examples = (dir: string) => join(REPOSITORY, 'examples', dir)

/** Lines that hold a token, as TypeScript's own parser sees them: the reference for the counter. */
function tokenLines(source: string): number {
  const file = ts.createSourceFile('file.ts', source, ts.ScriptTarget.Latest, true)
  const lines = new Set<number>()
  const visit = (node: ts.Node) => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode)
      return
    const children = node.getChildren(file)
    if (children.length > 0) return children.forEach(visit)
    const start = node.getStart(file)
    if (start === node.getEnd()) return
    const first = file.getLineAndCharacterOfPosition(start).line
    const last = file.getLineAndCharacterOfPosition(node.getEnd()).line
    for (let line = first; line <= last; line++) lines.add(line)
  }
  visit(file)
  return lines.size
}

describe('measureFeatures', () => {
  test('gives install size, package count and DSQL lines for each template', async () => {
    const facts = await measureFeatures(REPOSITORY)
    expect(facts.map((row) => row.driver)).toEqual(['pg', 'postgres.js', 'kysely'])
    for (const row of facts) {
      expect(row.installKiB).toBeGreaterThan(0)
      expect(row.packages).toBeGreaterThan(0)
      expect(row.dsqlLines).toBeGreaterThan(0)
    }
    const pg = facts.find((row) => row.driver === 'pg')
    const kysely = facts.find((row) => row.driver === 'kysely')
    // Kysely's template runs over pg: kysely itself comes on top of pg's whole tree.
    expect(kysely?.packages).toBe((pg?.packages ?? Number.NaN) + 1)
    expect(kysely?.installKiB).toBeGreaterThan(pg?.installKiB ?? Number.POSITIVE_INFINITY)
  })

  test("kysely's dependency tree holds every package of pg's, as the same directories", async () => {
    const pg = await installedClosure(examples('pg'), ['pg'])
    const kysely = await installedClosure(examples('kysely'), ['kysely', 'pg'])
    expect(pg.packageDirs.length).toBeGreaterThan(1) // pg-pool, pg-protocol, pg-types...
    expect(kysely.packageDirs).toEqual(expect.arrayContaining([...pg.packageDirs]))
    expect(kysely.bytes).toBeGreaterThan(pg.bytes)
  })

  test('a package that is not installed is an error naming it', async () => {
    await expect(installedClosure(tmpdir(), ['no-such-package-here'])).rejects.toThrow(
      /no-such-package-here is not installed/,
    )
  })

  test("dsqlLines is the sum of countCodeLines over each template's listed files", async () => {
    const facts = await measureFeatures(REPOSITORY)
    for (const template of FEATURE_TEMPLATES) {
      const sources = await Promise.all(
        template.files.map((file) => readFile(join(examples(template.dir), 'src', file), 'utf8')),
      )
      const row = facts.find((fact) => fact.driver === template.driver)
      expect(row?.dsqlLines).toBe(sources.reduce((sum, text) => sum + countCodeLines(text), 0))
    }
  })
})

describe('countCodeLines', () => {
  test('counts a fixture with every kind of comment as counted by hand', () => {
    const fixture = [
      '/**', //                                          comment
      ' * A doc comment. // not code', //                comment
      ' */', //                                          comment
      "import { a } from 'a' // trailing", //           1
      '', //                                             blank
      '   ', //                                          blank
      "const url = 'https://example.com/*x*/'", //       2
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text that holds a template literal
      'const t = `${a ? `//${a}` : "{"} /* text */`', // 3
      'const b = { c: 1 } /* starts here', //            4
      '  still a comment', //                            comment
      '  ends here */ const d = 2', //                   5
      '// const e = 3', //                               comment
      '\t/* one line */  ', //                           comment
      'export { b, d, t, url }', //                      6
    ].join('\n')
    expect(countCodeLines(fixture)).toBe(6)
    expect(tokenLines(fixture)).toBe(6)
  })

  test("agrees with TypeScript's parser on every file the templates count", async () => {
    for (const template of FEATURE_TEMPLATES) {
      for (const file of template.files) {
        const source = await readFile(join(examples(template.dir), 'src', file), 'utf8')
        expect(countCodeLines(source), `${template.dir}/src/${file}`).toBe(tokenLines(source))
      }
    }
  })
})
