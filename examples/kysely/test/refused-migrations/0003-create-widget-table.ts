/** Never reached while the migration before it fails. */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('widget')
    .ifNotExists()
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('widget').ifExists().execute()
}
