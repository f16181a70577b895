import type { ErrorFields } from '../wire/pg-messages.ts'

/**
 * A refused connection: what the client reads (a FATAL ErrorResponse) and, as the error's message,
 * the exact reason the stand-in's log gets. The TLS front throws it from any startup check and
 * answers it in one place.
 *
 * @example
 * ```ts
 * throw new Refusal(refusals.accessDenied(hint), 'token expired at ...')
 * ```
 */
export class Refusal extends Error {
  override readonly name = 'Refusal'
  /** The ErrorResponse the client gets. */
  readonly fields: ErrorFields

  constructor(fields: ErrorFields, reason: string) {
    super(reason)
    this.fields = fields
  }
}

/**
 * DSQL's answers to connections it refuses, texts exactly as in `dsql-facts.md`. SQLSTATEs that the
 * facts do not give are marked as the stand-in's choice.
 *
 * @example
 * ```ts
 * client.end(errorResponse(refusals.rateExceeded))
 * ```
 */
export const refusals = {
  /** A refused token or authentication; the reason class goes in the HINT (see `access-denied-hints.ts`). */
  accessDenied: (hint?: string): ErrorFields => ({
    severity: 'FATAL',
    code: '08006',
    message: 'unable to accept connection, access denied',
    ...(hint === undefined ? {} : { hint }),
  }),
  /**
   * TLS without a server name: DSQL routes by SNI. The text is DSQL's; the SQLSTATE is not in the
   * facts, `08006` like access denied is the stand-in's choice (medium confidence).
   */
  sniNotReceived: {
    severity: 'FATAL',
    code: '08006',
    message: 'unable to accept connection, sni was not received',
  },
  /** The connection token bucket is empty. */
  rateExceeded: {
    severity: 'FATAL',
    code: '53400',
    message: 'Unable to accept connection, rate exceeded.',
  },
  /** The open-connection limit is reached. */
  tooManyConnections: {
    severity: 'FATAL',
    code: '53300',
    message: 'Unable to accept connection, too many open connections.',
  },
  /** A plaintext startup; DSQL's text and SQLSTATE for it are not in the facts (the stand-in's choice). */
  tlsRequired: {
    severity: 'FATAL',
    code: '28000',
    message: 'unable to accept connection, TLS required',
  },
  /** The backend is not attached yet (PostgreSQL's own answer while it starts). */
  startingUp: { severity: 'FATAL', code: '57P03', message: 'the database system is starting up' },
  /** Any database but `postgres` (PostgreSQL's own answer). */
  noSuchDatabase: (database: string): ErrorFields => ({
    severity: 'FATAL',
    code: '3D000',
    message: `database "${database}" does not exist`,
  }),
} as const satisfies Record<string, ErrorFields | ((...args: never[]) => ErrorFields)>
