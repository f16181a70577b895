/**
 * The few PostgreSQL v3 wire-protocol messages the TLS front writes or reads itself.
 * Everything after the startup phase is relayed byte for byte.
 */

/** Protocol code of an SSLRequest (1234.5679). */
export const sslRequestCode = 80877103
/** Protocol code of a GSSENCRequest (1234.5680). */
export const gssEncRequestCode = 80877104
/** Protocol code of a CancelRequest (1234.5678). */
export const cancelRequestCode = 80877102
/** Protocol 3.0. */
export const protocolVersion3 = 196608

/** Fields of an ErrorResponse. */
export interface ErrorFields {
  readonly severity: 'ERROR' | 'FATAL'
  /** SQLSTATE, e.g. `28000`. */
  readonly code: string
  readonly message: string
  readonly detail?: string
  /** The HINT field (`H`); DSQL puts the reason for a refused connection there. */
  readonly hint?: string
}

/** A typed message: one type byte, then an int32 length that counts itself. */
export function typedMessage(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5)
  header.write(type, 0, 'latin1')
  header.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([header, body])
}

/** A NUL-terminated UTF-8 string. */
export function cstring(value: string): Buffer {
  return Buffer.from(`${value}\0`, 'utf8')
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4)
  buffer.writeInt32BE(value, 0)
  return buffer
}

/** ErrorResponse (`E`). */
export function errorResponse(fields: ErrorFields): Buffer {
  const parts = [
    Buffer.from('S'),
    cstring(fields.severity),
    Buffer.from('V'),
    cstring(fields.severity),
    Buffer.from('C'),
    cstring(fields.code),
    Buffer.from('M'),
    cstring(fields.message),
  ]
  if (fields.detail !== undefined) parts.push(Buffer.from('D'), cstring(fields.detail))
  if (fields.hint !== undefined) parts.push(Buffer.from('H'), cstring(fields.hint))
  parts.push(Buffer.from([0]))
  return typedMessage('E', Buffer.concat(parts))
}

/** AuthenticationCleartextPassword (`R`, 3). */
export function authenticationCleartextPassword(): Buffer {
  return typedMessage('R', int32(3))
}

/** AuthenticationOk (`R`, 0). */
export function authenticationOk(): Buffer {
  return typedMessage('R', int32(0))
}

/** BackendKeyData (`K`): the process id and secret a client puts in a CancelRequest. */
export function backendKeyData(processId: number, secret: number): Buffer {
  return typedMessage('K', Buffer.concat([int32(processId), int32(secret)]))
}

/** NegotiateProtocolVersion (`v`): the newest 3.x minor version served and the options ignored. */
export function negotiateProtocolVersion(minor: number, unsupported: readonly string[]): Buffer {
  return typedMessage(
    'v',
    Buffer.concat([int32(minor), int32(unsupported.length), ...unsupported.map(cstring)]),
  )
}

/** StartupMessage for protocol 3.0 (untyped: length, version, name/value pairs, NUL). */
export function startupMessage(params: ReadonlyMap<string, string>): Buffer {
  const pairs = [...params].flatMap(([name, value]) => [cstring(name), cstring(value)])
  const body = Buffer.concat([int32(protocolVersion3), ...pairs, Buffer.from([0])])
  return Buffer.concat([int32(body.length + 4), body])
}

/** CancelRequest (untyped, 16 bytes). */
export function cancelRequest(processId: number, secret: number): Buffer {
  return Buffer.concat([int32(16), int32(cancelRequestCode), int32(processId), int32(secret)])
}

/** Terminate (`X`). */
export function terminate(): Buffer {
  return typedMessage('X')
}

/** Parses the name/value pairs of a StartupMessage body (after the version). */
export function parseStartupParams(body: Buffer): Map<string, string> {
  const params = new Map<string, string>()
  const strings = body.toString('utf8').split('\0')
  for (let i = 0; i + 1 < strings.length; i += 2) {
    const name = strings[i] ?? ''
    if (name === '') break
    params.set(name, strings[i + 1] ?? '')
  }
  return params
}

/** Reads the fields of an ErrorResponse or NoticeResponse body (field type letter -> value). */
export function parseErrorFields(body: Buffer): Map<string, string> {
  const fields = new Map<string, string>()
  let offset = 0
  while (offset < body.length && body[offset] !== 0) {
    const end = body.indexOf(0, offset + 1)
    if (end < 0) break
    fields.set(String.fromCharCode(body[offset] ?? 0), body.toString('utf8', offset + 1, end))
    offset = end + 1
  }
  return fields
}
