import { quoteLiteral } from './quote-sql.ts'

/** DSQL-only syntax found at the start of a statement. */
export type DsqlSyntax = 'index-async' | 'alter-table-async' | 'iam-grant' | 'iam-revoke'

/** Where a statement with DSQL-only syntax starts in the rewritten text, and which syntax. */
export interface DsqlSyntaxMark {
  readonly offset: number
  readonly syntax: DsqlSyntax
}

/** Text PostgreSQL's parser accepts, and where DSQL's own syntax was taken out of it. */
export interface DsqlSyntaxResult {
  readonly text: string
  readonly marks: readonly DsqlSyntaxMark[]
}

interface Token {
  readonly start: number
  readonly end: number
  /** Upper-cased word, `;`, or `''` for anything else (literals, operators, comments skipped). */
  readonly word: string
  readonly kind: 'word' | 'quoted' | 'string' | 'semicolon' | 'other'
}

/**
 * The one step that knows DSQL syntax PostgreSQL's parser does not:
 * - `CREATE [UNIQUE] INDEX ASYNC ...` and `ALTER TABLE ASYNC ...`: the `ASYNC` word is taken out
 *   and the statement marked, so the parser sees the PostgreSQL form;
 * - `AWS IAM GRANT <role> TO '<arn>'` / `AWS IAM REVOKE <role> FROM '<arn>'`: replaced by a call of
 *   the stand-in's procedure `sys.aws_iam_grant(role, arn)` / `sys.aws_iam_revoke(role, arn)`.
 *
 * It tokenises the text as PostgreSQL's lexer does for this purpose: `--` and nested `/* *\/`
 * comments, `'...'` and `E'...'` strings, `"..."` identifiers and `$tag$...$tag$` literals are
 * skipped whole, so the same words inside them are never touched. Only the first words of each
 * statement (after `;`) are looked at. Returns `undefined` when nothing DSQL-only is there.
 *
 * @example
 * ```ts
 * rewriteDsqlSyntax('CREATE INDEX ASYNC ON t (a)')
 * // => { text: 'CREATE INDEX ON t (a)', marks: [{ offset: 0, syntax: 'index-async' }] }
 * ```
 */
export function rewriteDsqlSyntax(sql: string): DsqlSyntaxResult | undefined {
  if (!/async|iam/i.test(sql)) return undefined
  const tokens = tokenize(sql)
  const edits: { start: number; end: number; text: string; syntax: DsqlSyntax }[] = []
  let first = 0
  for (let i = 0; i <= tokens.length; i++) {
    if (i < tokens.length && tokens[i]?.kind !== 'semicolon') continue
    const statement = tokens.slice(first, i)
    first = i + 1
    const edit = dsqlEdit(statement, sql)
    if (edit) edits.push(edit)
  }
  if (edits.length === 0) return undefined
  let text = ''
  let from = 0
  const marks: DsqlSyntaxMark[] = []
  for (const edit of edits) {
    text += sql.slice(from, edit.start)
    marks.push({ offset: text.length, syntax: edit.syntax })
    text += edit.text
    from = edit.end
  }
  return { text: text + sql.slice(from), marks }
}

function dsqlEdit(statement: readonly Token[], sql: string) {
  const words = statement.slice(0, 4).map((token) => token.word)
  const start = statement[0]?.start ?? 0
  const at = (index: number) => statement[index]
  if (words[0] === 'CREATE') {
    const asyncIndex =
      words[1] === 'INDEX' ? 2 : words[1] === 'UNIQUE' && words[2] === 'INDEX' ? 3 : -1
    const word = at(asyncIndex)
    if (word?.word === 'ASYNC' && at(asyncIndex + 1)) {
      return edit(start, sql, word, 'index-async')
    }
  }
  if (words[0] === 'ALTER' && words[1] === 'TABLE' && words[2] === 'ASYNC') {
    const word = at(2)
    if (word) return edit(start, sql, word, 'alter-table-async')
  }
  if (words[0] === 'AWS' && words[1] === 'IAM' && (words[2] === 'GRANT' || words[2] === 'REVOKE')) {
    const [role, preposition, arn] = [at(3), at(4), at(5)]
    const grant = words[2] === 'GRANT'
    if (
      statement.length === 6 &&
      role &&
      (role.kind === 'word' || role.kind === 'quoted') &&
      preposition?.word === (grant ? 'TO' : 'FROM') &&
      arn?.kind === 'string' &&
      sql[arn.start] === "'"
    ) {
      const name =
        role.kind === 'quoted'
          ? sql.slice(role.start + 1, role.end - 1).replaceAll('""', '"')
          : role.word.toLowerCase()
      const procedure = grant ? 'sys.aws_iam_grant' : 'sys.aws_iam_revoke'
      return {
        start,
        end: arn.end,
        text: `CALL ${procedure}(${quoteLiteral(name)}, ${sql.slice(arn.start, arn.end)})`,
        syntax: grant ? ('iam-grant' as const) : ('iam-revoke' as const),
      }
    }
  }
  return undefined
}

/**
 * The statement as the log may show it: every string literal (`'...'`, `E'...'`, `$tag$...$tag$`)
 * replaced by `'…'`, comments dropped, white space collapsed, cut at `maxLength` characters. The
 * same tokeniser as {@link rewriteDsqlSyntax}, so an apostrophe in a comment or a quoted identifier
 * cannot turn the masking inside out.
 *
 * @example
 * ```ts
 * maskLiterals("CREATE ROLE r PASSWORD 'hunter2' -- it's secret") // => "CREATE ROLE r PASSWORD '…'"
 * ```
 */
export function maskLiterals(sql: string, maxLength = 160): string {
  let text = ''
  for (const token of tokenize(sql)) {
    const piece = token.kind === 'string' ? "'…'" : sql.slice(token.start, token.end)
    const glue =
      text === '' || token.kind === 'semicolon' || /[(.,]$/.test(text) || /^[),.]/.test(piece)
        ? ''
        : ' '
    text += glue + piece
    if (text.length > maxLength) return `${text.slice(0, maxLength)}…`
  }
  return text
}

/** Takes the word out, with the spaces before it. */
function edit(start: number, sql: string, word: Token, syntax: DsqlSyntax) {
  let from = word.start
  while (from > start && /\s/.test(sql[from - 1] ?? '')) from--
  return { start: from, end: word.end, text: '', syntax }
}

/** Splits SQL into the tokens this step needs; comments are dropped. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const push = (start: number, end: number, kind: Token['kind'], word = '') =>
    tokens.push({ start, end, kind, word })
  while (i < sql.length) {
    const c = sql[i] ?? ''
    const next = sql[i + 1] ?? ''
    if (/\s/.test(c)) {
      i++
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i)
      i = end < 0 ? sql.length : end + 1
    } else if (c === '/' && next === '*') {
      i = blockCommentEnd(sql, i)
    } else if (c === "'" || ((c === 'E' || c === 'e') && next === "'")) {
      const start = i
      i = stringEnd(sql, c === "'" ? i : i + 1, c !== "'")
      push(start, i, 'string')
    } else if (c === '"') {
      const start = i
      i++
      while (i < sql.length) {
        if (sql[i] === '"' && sql[i + 1] === '"') i += 2
        else if (sql[i] === '"') break
        else i++
      }
      i = Math.min(sql.length, i + 1)
      push(start, i, 'quoted')
    } else if (c === '$' && /[A-Za-z_$]/.test(next)) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))?.[0]
      if (tag === undefined) {
        push(i, i + 1, 'other')
        i++
      } else {
        const close = sql.indexOf(tag, i + tag.length)
        const start = i
        i = close < 0 ? sql.length : close + tag.length
        push(start, i, 'string')
      }
    } else if (c === ';') {
      push(i, i + 1, 'semicolon', ';')
      i++
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const start = i
      while (i < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i] ?? '')) i++
      push(start, i, 'word', sql.slice(start, i).toUpperCase())
    } else {
      push(i, i + 1, 'other')
      i++
    }
  }
  return tokens
}

/** End of a (nested) block comment that starts at `i`. */
function blockCommentEnd(sql: string, i: number): number {
  let depth = 0
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++
      i += 2
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--
      i += 2
      if (depth === 0) return i
    } else {
      i++
    }
  }
  return sql.length
}

/** End of a string literal whose opening quote is at `i`; `escapes` for `E'...'`. */
function stringEnd(sql: string, i: number, escapes: boolean): number {
  i++
  while (i < sql.length) {
    const c = sql[i]
    if (escapes && c === '\\') i += 2
    else if (c === "'" && sql[i + 1] === "'") i += 2
    else if (c === "'") return i + 1
    else i++
  }
  return sql.length
}
