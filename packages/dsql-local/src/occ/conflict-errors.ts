import type { ErrorFields } from '../wire/pg-messages.ts'

/** DSQL's two kinds of optimistic-concurrency conflict: data (`OC000`) and schema (`OC001`). */
export type ConflictCode = 'OC000' | 'OC001'

/**
 * What DSQL answers a transaction that lost a conflict (`dsql-facts.md`, "Concurrency", observed on
 * real clusters 2026-11): SQLSTATE `40001` and the code at the end of the text.
 */
export const conflictErrors: Readonly<Record<ConflictCode, ErrorFields>> = Object.freeze({
  OC000: Object.freeze({
    severity: 'ERROR',
    code: '40001',
    message: 'change conflicts with another transaction (OC000)',
  }),
  OC001: Object.freeze({
    severity: 'ERROR',
    code: '40001',
    message: 'schema has been updated by another transaction (OC001)',
  }),
})

/** Whether `value` names one of DSQL's conflict codes. */
export function isConflictCode(value: unknown): value is ConflictCode {
  return value === 'OC000' || value === 'OC001'
}
