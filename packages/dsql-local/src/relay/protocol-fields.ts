import { cstring, typedMessage } from '../wire/pg-messages.ts'

/**
 * The first `count` (at most two) NUL-terminated strings of a message body, then the rest: the
 * names of `Parse`, `Bind`, `Execute` and `Close`.
 *
 * @example
 * ```ts
 * const [name, sql, rest] = cstrings(parseBody, 2)
 * ```
 */
export function cstrings(body: Buffer, count: 1 | 2): [string, string, Buffer] {
  const out: string[] = []
  let offset = 0
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, offset)
    if (end < 0) break
    out.push(body.toString('utf8', offset, end))
    offset = end + 1
  }
  return [out[0] ?? '', out[1] ?? '', body.subarray(offset)]
}

/**
 * A `Parse` message; `rest` is the parameter-type part of the client's own (default: none).
 *
 * @example
 * ```ts
 * backend.write(parseMessage('', 'SELECT 1'))
 * ```
 */
export function parseMessage(
  name: string,
  sql: string,
  rest: Buffer = Buffer.from([0, 0]),
): Buffer {
  return typedMessage('P', Buffer.concat([cstring(name), cstring(sql), rest]))
}
