/**
 * A string literal for SQL text the stand-in writes itself: `'...'` with quotes doubled.
 *
 * @example
 * ```ts
 * quoteLiteral("it's") // => 'it''s'
 * ```
 */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/**
 * A quoted identifier: `"..."` with quotes doubled.
 *
 * @example
 * ```ts
 * quoteIdent('My Table') // => "My Table"
 * ```
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * A dollar-quoted literal whose tag does not occur in `text`, for SQL text passed as a value.
 *
 * @example
 * ```ts
 * dollarQuote('SELECT $$x$$') // => $dsql$SELECT $$x$$$dsql$
 * ```
 */
export function dollarQuote(text: string): string {
  let tag = 'dsql'
  while (text.includes(`$${tag}$`)) tag += '_'
  return `$${tag}$${text}$${tag}$`
}
