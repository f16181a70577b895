import { DsqlLocalError } from '../errors.ts'
import { isConflictCode } from './conflict-errors.ts'
import type { ConflictInjection } from './conflict-injections.ts'

/** The form {@link parseInjectionSpec} reads, for help texts and errors. */
export const injectionSpecForm = '<count>[:OC000|:OC001][:role=<name>][:session=<id>]'

/**
 * Reads an injection written for the command line: `<count>`, then optionally the conflict code
 * and `role=` or `session=` (what `sys.current_session_id()` returned), separated by colons.
 * Throws a {@link DsqlLocalError} (`INVALID_OPTIONS`) naming the part it cannot read.
 *
 * @example
 * ```ts
 * parseInjectionSpec('2:OC001:role=example') // { count: 2, code: 'OC001', role: 'example' }
 * ```
 */
export function parseInjectionSpec(text: string): ConflictInjection {
  const invalid = (problem: string) =>
    new DsqlLocalError(
      'INVALID_OPTIONS',
      `conflict injection "${text}": ${problem}; write ${injectionSpecForm}, e.g. 2:OC000:role=admin`,
    )
  const [count = '', ...parts] = text.trim().split(':')
  if (!/^[1-9]\d{0,8}$/.test(count)) throw invalid('it must start with a count of at least 1')
  const injection: { count: number; code?: 'OC000' | 'OC001'; role?: string; sessionId?: string } =
    { count: Number(count) }
  for (const part of parts) {
    const [key, value] = part.includes('=') ? part.split(/=(.*)/s) : [part, undefined]
    if (value === undefined && isConflictCode(key) && injection.code === undefined) {
      injection.code = key
    } else if (key === 'role' && value && injection.role === undefined) {
      injection.role = value
    } else if (key === 'session' && value && injection.sessionId === undefined) {
      injection.sessionId = value
    } else {
      throw invalid(`cannot read "${part}"`)
    }
  }
  return injection
}
