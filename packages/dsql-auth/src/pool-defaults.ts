/**
 * Pool settings the driver examples share, chosen for Aurora DSQL.
 *
 * - `maxLifetimeSeconds` (3300): DSQL closes connections after 60 minutes. Recycling at 55 leaves
 *   five minutes for a query in flight to finish on the old connection before the server would cut it.
 *   (`pg`: `maxLifetimeSeconds`; postgres.js: `max_lifetime`, which otherwise picks 30–60 min at random.)
 * - `max` (10): enough concurrency for a typical service process; DSQL allows 10,000 connections
 *   per cluster and 100 new ones per second, so many processes times a small pool stay well inside.
 * - `idleTimeoutSeconds` (60): idle connections are closed after a minute, so a quiet process
 *   holds no connections it does not use; reopening one costs a token (cached) and a TLS handshake.
 * - `connectTimeoutSeconds` (10): a connection attempt that takes longer fails instead of hanging.
 */
export const POOL_DEFAULTS = Object.freeze({
  maxLifetimeSeconds: 3300,
  max: 10,
  idleTimeoutSeconds: 60,
  connectTimeoutSeconds: 10,
})
