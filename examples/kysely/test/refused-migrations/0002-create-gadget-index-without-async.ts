/**
 * A plain `CREATE INDEX`, as on PostgreSQL. DSQL refuses it with `0A000`
 * `unsupported mode. please use CREATE INDEX ASYNC.`: see `createIndexAsync`.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('gadget_kind_idx').ifNotExists().on('gadget').column('kind').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('gadget_kind_idx').ifExists().execute()
}
