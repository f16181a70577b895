export type { DsqlAction, LocalPrincipal } from './auth/local-principal.ts'
export {
  type AcceptedToken,
  type RefusedToken,
  type TokenCheck,
  verifyDsqlToken,
} from './auth/verify-dsql-token.ts'
export type { DsqlLocalCluster } from './dsql-local-cluster.ts'
export type { DsqlLocalOptions } from './dsql-local-options.ts'
export { DsqlLocalError, type DsqlLocalErrorCode } from './errors.ts'
export { type DsqlLocalLogger, stderrLogger } from './logger.ts'
export type { ConflictCode } from './occ/conflict-errors.ts'
export type { ConflictInjection } from './occ/conflict-injections.ts'
export { startDsqlLocal } from './start-dsql-local.ts'
