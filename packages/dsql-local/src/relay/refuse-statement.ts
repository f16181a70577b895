import type { DsqlLocalLogger } from '../logger.ts'
import type { RuleHit } from '../sql/check-statement.ts'
import { dsqlRule } from '../sql/dsql-rules.ts'
import { maskLiterals } from '../sql/dsql-syntax.ts'
import type { ErrorFields } from '../wire/pg-messages.ts'
import type { ResponseTracker } from './response-tracker.ts'

/** A statement refused by a rule: the rule, the statement's kind for the log, and its text. */
export interface RefusedStatement {
  readonly hit: RuleHit
  readonly kind: string
  /** The statement's text (string literals are masked in the log); '' when not at hand. */
  readonly sql: string
}

/**
 * Logs why a statement is refused (rule, DSQL's answer, the statement with its literals masked)
 * and returns the statement that makes PostgreSQL fail in its place, its error to become DSQL's.
 *
 * @example
 * ```ts
 * text += refuseStatement(tracker, { logger, who: '"admin"' }, { hit: { rule: 'truncate' }, kind: 'TruncateStmt', sql })
 * ```
 */
export function refuseStatement(
  tracker: ResponseTracker,
  session: { readonly logger: DsqlLocalLogger; readonly who: string },
  refused: RefusedStatement,
): string {
  const rule = dsqlRule(refused.hit.rule)
  const fields: ErrorFields = {
    severity: 'ERROR',
    code: rule.code,
    message: rule.message.replace('{}', refused.hit.name ?? ''),
  }
  const shown = refused.sql ? ` ${JSON.stringify(maskLiterals(refused.sql))}` : ''
  session.logger.warn(
    `refused a statement of ${session.who} by rule "${rule.id}" (${fields.code} ${fields.message}): ${refused.kind}${shown}`,
  )
  return tracker.refusal(fields)
}
