import { randomUUID } from 'node:crypto'
import { InvalidEventError } from './lambda-errors.ts'
import type { Owner } from './owners.ts'

/**
 * The events the function accepts, as JSON:
 * `{ "action": "status" }`, `{ "action": "list-owners", "limit": 20 }`,
 * `{ "action": "add-owner", "owner": { "id": "<uuid>", "name": "Ana", "city": "Lisbon", "telephone": null } }`.
 */
export type LambdaEvent =
  | { readonly action: 'status' }
  | { readonly action: 'list-owners'; readonly limit?: number }
  | { readonly action: 'add-owner'; readonly owner: OwnerInput }

/** The owner an `add-owner` event carries. */
export interface OwnerInput {
  /**
   * A UUID that makes the insert idempotent: an `add-owner` event sent again (by a caller that
   * timed out, or by Lambda retrying an asynchronous invocation) inserts nothing and answers the
   * stored row. Default: a new random UUID per event.
   */
  readonly id?: string
  readonly name: string
  readonly city: string
  readonly telephone?: string | null
}

/** What the function answers, by action; Lambda returns it to the caller as JSON. */
export type LambdaResult =
  | {
      readonly action: 'status'
      /** `sys.current_session_id()`: the same across warm invocations that reuse the connection. */
      readonly sessionId: string
      readonly user: string
      /** Whether this invocation made the environment's pool. */
      readonly coldStart: boolean
    }
  | { readonly action: 'list-owners'; readonly owners: readonly Owner[] }
  | { readonly action: 'add-owner'; readonly owner: Owner; readonly inserted: boolean }

/** The part of Lambda's context object this handler reads; the runtime passes more. */
export interface LambdaContext {
  readonly awsRequestId: string
}

/** Rows `list-owners` answers when the event names no `limit`, and the most it may ask for. */
export const LIST_LIMIT = Object.freeze({ default: 100, max: 1000 })

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** An event checked and completed ({@link parseEvent}): limits filled in, the owner's id chosen once for all attempts. */
export type LambdaRequest =
  | { readonly action: 'status' }
  | { readonly action: 'list-owners'; readonly limit: number }
  | { readonly action: 'add-owner'; readonly owner: Required<OwnerInput> }

/** Checks an event against {@link LambdaEvent}; the message says what is wrong, not the value. */
export function parseEvent(event: unknown): LambdaRequest {
  const fields: Record<string, unknown> = isRecord(event) ? event : {}
  switch (fields.action) {
    case 'status':
      return { action: 'status' }
    case 'list-owners': {
      const limit = fields.limit ?? LIST_LIMIT.default
      if (
        typeof limit !== 'number' ||
        !Number.isInteger(limit) ||
        limit < 1 ||
        limit > LIST_LIMIT.max
      ) {
        throw new InvalidEventError(`limit must be a whole number from 1 to ${LIST_LIMIT.max}`)
      }
      return { action: 'list-owners', limit }
    }
    case 'add-owner': {
      const owner = isRecord(fields.owner) ? fields.owner : {}
      const { id = randomUUID(), name, city, telephone = null } = owner
      if (typeof id !== 'string' || !UUID.test(id)) {
        throw new InvalidEventError('owner.id must be a UUID, or left out')
      }
      if (typeof name !== 'string' || typeof city !== 'string') {
        throw new InvalidEventError('owner.name and owner.city must be strings')
      }
      if (telephone !== null && typeof telephone !== 'string') {
        throw new InvalidEventError('owner.telephone must be a string, null, or left out')
      }
      return { action: 'add-owner', owner: { id, name, city, telephone } }
    }
    default:
      throw new InvalidEventError(
        'the event must be JSON with "action": "status", "list-owners" or "add-owner"',
      )
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
