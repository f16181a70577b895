/** One answer of Aurora DSQL that this package reacts to. */
export interface DsqlErrorText {
  /** The SQLSTATE DSQL sends with it; `undefined` where none is recorded (the text decides). */
  readonly sqlState: string | undefined
  /** The message, exactly as a client receives it. */
  readonly text: string
  /** When it was seen from a real cluster (`docs/dsql-facts.md`). */
  readonly observed: string
}

/**
 * DSQL's own texts that decide what this package does, one row per answer, to hold against
 * `docs/dsql-facts.md`: when DSQL changes a text, this is the one place to change.
 *
 * - `dataConflict`, `schemaConflict`: optimistic-concurrency conflicts; the transaction is run again.
 * - `accessDenied`: a refused connection (at startup, FATAL); its token must not be used again.
 * - `rateExceeded`, `wakingUp`, `serverUnavailable`: transient refusals of a new connection; it is
 *   opened again after a backoff (`connect-retry.ts`).
 */
export const DSQL_ERROR_TEXTS = Object.freeze({
  dataConflict: Object.freeze({
    sqlState: '40001',
    text: 'change conflicts with another transaction (OC000)',
    observed: '2026-11',
  }),
  schemaConflict: Object.freeze({
    sqlState: '40001',
    text: 'schema has been updated by another transaction (OC001)',
    observed: '2026-11',
  }),
  accessDenied: Object.freeze({
    sqlState: '08006',
    text: 'unable to accept connection, access denied',
    observed: '2026-11',
  }),
  rateExceeded: Object.freeze({
    sqlState: '53400',
    text: 'Unable to accept connection, rate exceeded.',
    observed: '2026-11',
  }),
  wakingUp: Object.freeze({
    sqlState: undefined,
    text: 'unable to accept connection, waking up cluster, please retry later',
    observed: '2026-11',
  }),
  serverUnavailable: Object.freeze({
    sqlState: 'XX000',
    text: 'server unavailable',
    observed: '2026-11',
  }),
} satisfies Record<string, DsqlErrorText>)
