/**
 * An index on `owner.city`. DSQL builds indexes only asynchronously (`CREATE INDEX ASYNC`; a
 * plain `CREATE INDEX` is refused with `0A000`): `createIndexAsync` starts the build and waits
 * for its job, so that a later migration, or the application, can rely on the index.
 */
import type { Kysely } from 'kysely'
import { createIndexAsync } from '../migrator/create-index-async.ts'

export async function up(db: Kysely<unknown>): Promise<void> {
  await createIndexAsync(
    db,
    db.schema.createIndex('owner_city_idx').ifNotExists().on('owner').column('city'),
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('owner_city_idx').ifExists().execute()
}
