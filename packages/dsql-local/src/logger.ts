/**
 * Where the stand-in reports what it does and, above all, why it refused a connection
 * (the client only sees DSQL's `unable to accept connection, access denied` and a reason class in its HINT).
 * Messages never contain a token or a secret. `console` fits this shape.
 *
 * @example
 * ```ts
 * const lines: string[] = []
 * await startDsqlLocal({ logger: { info: () => {}, warn: (m) => lines.push(m), error: (m) => lines.push(m) } })
 * ```
 */
export interface DsqlLocalLogger {
  /** Lifecycle: started, stopped, backend ready. */
  info(message: string): void
  /** A refused connection or a session closed by a DSQL rule, with the exact reason. */
  warn(message: string): void
  /** Something that should not happen: a failing backend, an unexpected socket error. */
  error(message: string): void
}

/** The default logger: refusals and errors on stderr, prefixed `dsql-local:`, lifecycle silent. */
export const stderrLogger: DsqlLocalLogger = {
  info: () => {},
  warn: (message) => process.stderr.write(`dsql-local: ${message}\n`),
  error: (message) => process.stderr.write(`dsql-local: ${message}\n`),
}
