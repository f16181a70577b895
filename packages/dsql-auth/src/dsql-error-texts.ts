/** One answer of Aurora DSQL that this package reacts to. */
export interface DsqlErrorText {
  /** The SQLSTATE DSQL sends with it. */
  readonly sqlState: string
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
} satisfies Record<string, DsqlErrorText>)
