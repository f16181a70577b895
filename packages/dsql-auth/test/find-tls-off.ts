/**
 * A source check for code that turns TLS verification off or lets something override the verified
 * settings of `dsqlTls`. It reads the text (comments removed, strings kept, so connection URLs are
 * checked too); it cannot follow values computed at run time, which is why `rejectUnauthorized` may
 * only ever be the literal `true`.
 */

/** One place that turns verification off, or may: `line: what`. */
export type TlsOffFinding = string

const KEY = (name: string) => String.raw`(?<![\w$])\[?\s*(['"\x60]?)${name}\1\s*\]?`
/** `ssl`, `'ssl'`, `["ssl"]` ... set (`:` or `=`, not `==`) to off, null-ish, or a mode that does not verify. */
const SSL_OFF = new RegExp(
  `${KEY('ssl')}\\s*(?::|=(?!=))\\s*(?:false\\b|0\\b|null\\b|undefined\\b|!\\s*1\\b|['"\\x60](?:disable|allow|prefer|require|no-verify|verify-ca|false|0)['"\\x60])`,
  'gi',
)
/** `sslmode` set to anything but `verify-full`, in options or in a connection URL. */
const SSLMODE_WEAK = new RegExp(
  `${KEY('sslmode')}\\s*(?::|=(?!=))(?!\\s*['"\\x60]?verify-full\\b)`,
  'gi',
)
/** `rejectUnauthorized` in any quoting or case, set to anything but the literal `true`. */
const REJECT_NOT_TRUE = new RegExp(
  `${KEY('rejectunauthorized')}\\s*(?::|=(?!=))(?!\\s*true\\b)`,
  'gi',
)
/** `{ rejectUnauthorized }` or `{ ..., rejectUnauthorized, ... }`: a value from a variable. */
const REJECT_SHORTHAND = /[{,]\s*rejectunauthorized\s*(?=[,}])/gi
const ALWAYS_OFF: readonly [RegExp, string][] = [
  [
    /NODE_TLS_REJECT_UNAUTHORIZED/g,
    'NODE_TLS_REJECT_UNAUTHORIZED switches verification off process-wide',
  ],
  [/checkServerIdentity/g, 'checkServerIdentity replaces the host name check'],
]

/**
 * Everything in `source` that turns TLS verification off, or may:
 * - `ssl: false` (or `0`, `null`, a mode such as `'require'` that does not verify), `sslmode=disable`;
 * - `rejectUnauthorized` set to anything but `true`, in any quoting or case, as a key or assignment;
 * - `NODE_TLS_REJECT_UNAUTHORIZED`, `checkServerIdentity`;
 * - a spread (or an `ssl` key) after `...dsqlTls(...)`, or after a variable holding its result, in
 *   the same object, and an argument after it in `Object.assign`: either could override `ssl`.
 *
 * @example
 * ```ts
 * findTlsOff('new pg.Pool({ ...dsqlTls(config), ...options })') // ['1: a spread after ...dsqlTls(...) ...']
 * ```
 */
export function findTlsOff(source: string): TlsOffFinding[] {
  const code = withoutComments(source)
  const found: [number, string][] = []
  const each = (pattern: RegExp, what: string) => {
    for (const match of code.matchAll(pattern)) found.push([match.index, what])
  }
  each(SSL_OFF, 'ssl set to a value that does not verify')
  each(SSLMODE_WEAK, 'sslmode other than verify-full')
  each(REJECT_NOT_TRUE, 'rejectUnauthorized set to something other than true')
  each(REJECT_SHORTHAND, 'rejectUnauthorized taken from a variable')
  for (const [pattern, what] of ALWAYS_OFF) each(pattern, what)
  for (const index of overridingAfterTls(code)) {
    found.push([index, 'something after the dsqlTls settings could override ssl'])
  }
  return found.sort(([a], [b]) => a - b).map(([index, what]) => `${lineOf(code, index)}: ${what}`)
}

/** Where something follows the `dsqlTls` settings in the object (or `Object.assign`) they go into. */
function overridingAfterTls(code: string): number[] {
  const names = [...code.matchAll(/(?:const|let|var)\s+([\w$]+)\s*=\s*dsqlTls\s*\(/g)].map(
    (m) => m[1],
  )
  // The call itself (its arguments are skipped as a nested bracket), or a variable holding its result.
  const tls = `(?:${['dsqlTls(?=\\s*\\()', ...names.map((n) => `${n}\\b`)].join('|')})`
  const found: number[] = []
  // `...dsqlTls(config)`, `...tls`, `...dsqlTls(config).ssl`: later members of the same object.
  for (const match of code.matchAll(new RegExp(`\\.\\.\\.\\s*${tls}`, 'g'))) {
    const rest = restOfBracket(code, match.index + match[0].length)
    const member = /(?:\.\.\.|(?:^|,)\s*\[?\s*['"\x60]?ssl['"\x60]?\s*\]?\s*(?::|,|$))/i.exec(
      rest.text,
    )
    if (member !== null) found.push(match.index)
  }
  // `Object.assign(target, dsqlTls(config), more)`: arguments after it.
  for (const match of code.matchAll(/Object\.assign\s*\(/g)) {
    const args = restOfBracket(code, match.index + match[0].length).text
    // Nested brackets are blanked here, so the call shows as its bare name.
    const at = new RegExp(`(?:^|,)\\s*(?:${['dsqlTls', ...names].join('|')})\\b`).exec(args)
    if (at !== null && args.slice(at.index + at[0].length).includes(',')) found.push(match.index)
  }
  return found
}

/**
 * The text from `start` to the bracket that closes the one `start` is in, with nested brackets and
 * strings blanked out (so only the enclosing level's own commas, spreads and keys remain). The
 * expression at `start` itself (e.g. the `(config)` of `dsqlTls(config)`) is skipped first.
 */
function restOfBracket(code: string, start: number): { text: string } {
  let depth = 0
  let text = ''
  for (let i = start; i < code.length; i++) {
    const c = code[i] as string
    if (c === "'" || c === '"' || c === '`') {
      const end = closingQuote(code, i)
      if (depth === 0) text += ' '
      i = end
    } else if (c === '(' || c === '[' || c === '{') {
      depth++
    } else if (c === ')' || c === ']' || c === '}') {
      depth--
      if (depth < 0) break
    } else if (depth === 0) {
      text += c
    }
  }
  // Drop the tail of the spread expression itself (`.ssl`, spaces) before the first comma.
  const comma = text.indexOf(',')
  return { text: comma < 0 ? '' : text.slice(comma) }
}

/** Removes `//` and `/* *\/` comments, leaving strings (and the URLs in them) as they are. */
function withoutComments(source: string): string {
  let out = ''
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === "'" || c === '"' || c === '`') {
      const end = closingQuote(source, i)
      out += source.slice(i, end + 1)
      i = end
    } else if (c === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i)
      i = (end < 0 ? source.length : end) - 1
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2)
      const comment = source.slice(i, end < 0 ? source.length : end + 2)
      out += comment.replace(/[^\n]/g, ' ') // keep line numbers
      i = (end < 0 ? source.length : end + 2) - 1
    } else {
      out += c
    }
  }
  return out
}

function closingQuote(text: string, start: number): number {
  const quote = text[start]
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === quote) return i
  }
  return text.length - 1
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length
}
