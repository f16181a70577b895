/**
 * How error messages mention a value from the configuration. A value is shown only when it is a
 * number, a region name or a plain host name, which help the reader and hold no secret. Anything
 * else may be a secret pasted into the wrong variable (a password, a key, a URL with user info): it
 * is described, never shown, not even in part.
 *
 * @example
 * ```ts
 * `must be a whole number from 1 to 65535, ${got('70000')}`  // ... got "70000"
 * `must be a whole number from 1 to 65535, ${got('hunter2')}` // ... got something else (not shown, ...)
 * ```
 * @module
 */

/** Why a value is left out of a message. */
export const NOT_SHOWN = 'not shown, as it may hold a secret'

/** A number as a person writes it in a variable: digits, a sign, a decimal point. */
const NUMBER = /^[+-]?\d{1,15}(?:\.\d{1,15})?$/

/** `got "<raw>"` when `raw` is a number; else `got something else`, without the value. */
export function got(raw: string): string {
  return NUMBER.test(raw) ? `got "${raw}"` : `got something else (${NOT_SHOWN})`
}

/** `postgres://`, `postgresql://`, `https://`, ... */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

/**
 * What is wrong with a value that should be a bare host name, said without the value: a URL, user
 * info, a port, a path, white space.
 *
 * @example
 * ```ts
 * hostProblem('postgres://admin:pw@host:5432/postgres')
 * // 'must be a bare host name or IP address, but it is a URL with user info (user:password@), a port and a path; ...'
 * ```
 */
export function hostProblem(raw: string): string {
  const url = SCHEME.test(raw)
  const rest = raw.replace(SCHEME, '')
  const userInfo = /^[^/?#]*@/.test(rest)
  const hostAndPort = rest.replace(/^[^/?#]*@/, '').split(/[/?#]/)[0] ?? ''
  const found = [
    userInfo && 'user info (user:password@)',
    /:\d*$/.test(hostAndPort) && 'a port (DB_PORT sets it)',
    /[/?#]/.test(rest) && 'a path',
    /\s/.test(raw) && 'white space',
  ].filter((part) => part !== false)
  const what =
    found.length > 0
      ? `${url ? 'a URL' : 'a value'} with ${list(found)}`
      : url
        ? 'a URL'
        : 'a value with characters a host name cannot have'
  return `must be a bare host name or IP address, but it is ${what}; the value is ${NOT_SHOWN}`
}

function list(parts: readonly string[]): string {
  return parts.length < 2 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`
}
