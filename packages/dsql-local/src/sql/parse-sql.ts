import { loadModule, parseSync } from 'libpg-query'
import { type DsqlSyntax, rewriteDsqlSyntax } from './dsql-syntax.ts'

/** A node of PostgreSQL's raw parse tree as libpg-query returns it (JSON). */
export type AstNode = { readonly [key: string]: unknown }

/** One statement of a query text. */
export interface ParsedStatement {
  /** The parse-tree node type, e.g. `CreateStmt`, `SelectStmt`. */
  readonly type: string
  readonly node: AstNode
  /** Where it is in {@link ParsedSql.text}: `[start, end)`. */
  readonly start: number
  readonly end: number
  /** DSQL-only syntax it was written with, see {@link rewriteDsqlSyntax}. */
  readonly syntax: DsqlSyntax | undefined
}

/** A query text as PostgreSQL's parser sees it once DSQL's own syntax is taken out. */
export interface ParsedSql {
  /** The text to send to PostgreSQL (the original unless DSQL syntax was rewritten). */
  readonly text: string
  /** Empty when the parser refused the text (see `error`). */
  readonly statements: readonly ParsedStatement[]
  /**
   * `syntax`: PostgreSQL's parser refused the text (PostgreSQL will answer with its syntax error);
   * `too-complex`: the parser gave up for want of resources (nesting too deep for WebAssembly),
   * although PostgreSQL might accept it: such text must not pass unchecked.
   */
  readonly error?: 'syntax' | 'too-complex'
}

const cacheSize = 2000
/** Longer texts (bulk inserts, generated batches) are parsed every time: caching them buys nothing. */
const cacheableLength = 16_384
const cache = new Map<string, ParsedSql>()
let loaded: Promise<void> | undefined

/** Loads PostgreSQL's parser (WebAssembly) once; {@link parseSql} needs it loaded. */
export function loadSqlParser(): Promise<void> {
  loaded ??= loadModule()
  return loaded
}

/**
 * Parses `sql` with PostgreSQL's own parser (libpg-query, PostgreSQL 17 grammar) after
 * {@link rewriteDsqlSyntax}. Text the parser refuses comes back with no statements and an `error`
 * (still rewritten, so PostgreSQL's syntax error points where DSQL's would). Results are cached by text, since drivers send the
 * same statements again and again.
 *
 * @example
 * ```ts
 * await loadSqlParser()
 * parseSql('select 1; create index async on t (a)').statements.map((s) => s.type)
 * // => ['SelectStmt', 'IndexStmt']
 * ```
 */
export function parseSql(sql: string): ParsedSql {
  const cached = cache.get(sql)
  if (cached !== undefined) return cached
  const parsed = parseUncached(sql)
  if (sql.length > cacheableLength) return parsed
  if (cache.size >= cacheSize) {
    const oldest = cache.keys().next()
    if (!oldest.done) cache.delete(oldest.value)
  }
  cache.set(sql, parsed)
  return parsed
}

function parseUncached(sql: string): ParsedSql {
  const rewritten = rewriteDsqlSyntax(sql)
  const text = rewritten?.text ?? sql
  let tree: { stmts?: { stmt: AstNode; stmt_location?: number; stmt_len?: number }[] }
  try {
    tree = parseSync(text)
  } catch (error) {
    const syntax = typeof (error as { sqlDetails?: unknown }).sqlDetails === 'object'
    return { text, statements: [], error: syntax ? 'syntax' : 'too-complex' }
  }
  // The parser counts UTF-8 bytes; JavaScript strings count UTF-16 code units.
  const index = characterIndex(text)
  const statements = (tree.stmts ?? []).map((raw): ParsedStatement => {
    const [type = '', node = {}] = Object.entries(raw.stmt)[0] ?? []
    const byteStart = raw.stmt_location ?? 0
    const start = index(byteStart)
    const end = raw.stmt_len ? index(byteStart + raw.stmt_len) : text.length
    const mark = rewritten?.marks.find((m) => m.offset >= start && m.offset < end)
    return { type, node: node as AstNode, start, end, syntax: mark?.syntax }
  })
  return { text, statements }
}

/** Maps a UTF-8 byte offset in `text` to a string index. */
function characterIndex(text: string): (byteOffset: number) => number {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length === text.length) return (offset) => offset
  return (offset) => bytes.toString('utf8', 0, offset).length
}
