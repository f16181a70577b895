import { dsqlRule } from '../sql/dsql-rules.ts'
import { quoteLiteral } from '../sql/quote-sql.ts'

/** DSQL's per-transaction limits as the backend enforces them; `undefined` switches one off. */
export interface TransactionLimits {
  /** Rows one transaction may modify; the statement that crosses it fails. DSQL: 3,000. */
  readonly rows: number | undefined
  /** Bytes of new row versions one transaction may write, checked at COMMIT. DSQL: 10 MiB. */
  readonly bytes: number | undefined
}

/** The trigger function that counts; the triggers on user tables are found by it, whatever their names. */
const countFunction = 'sys.count_transaction_changes()'
/** Our triggers on user tables: one per event (transition tables allow only one event each). */
const events = [
  { event: 'INSERT', bit: 4, transition: 'NEW TABLE AS new_rows' },
  { event: 'UPDATE', bit: 16, transition: 'NEW TABLE AS new_rows' },
  { event: 'DELETE', bit: 8, transition: 'OLD TABLE AS old_rows' },
] as const

/**
 * Idempotent SQL, run by the stand-in's bootstrap superuser at every start, that makes the backend
 * enforce DSQL's transaction row and size limits (SQLSTATE `54000`, DSQL's texts from the rule table):
 *
 * - Every ordinary or partitioned table outside `sys` and the system schemas gets three statement-level
 *   `AFTER INSERT` / `UPDATE` / `DELETE` triggers with transition tables. They add the statement's rows,
 *   and the size of the new row versions it wrote, to the transaction's running totals, and fail the
 *   statement whose rows cross `rows` (exactly `rows` passes). The size is `pg_column_size` of each new
 *   row as the statement formed it (before TOAST compression): an approximation of DSQL's own
 *   accounting, which is not documented; a DELETE adds rows, no bytes. `INSERT ... ON CONFLICT DO
 *   UPDATE` fires both the INSERT and the UPDATE trigger, each with its own rows. Rows changed by
 *   foreign-key actions (`ON DELETE CASCADE`, `SET NULL`, ...) count too: PostgreSQL runs those actions
 *   as statements on the child table. Whether DSQL counts them is not confirmed; counting them is the
 *   cautious reading, since the transaction writes them.
 * - The totals are transaction-local settings (`dsql_local.transaction_rows` / `_bytes`, set with
 *   `set_config(..., true)`), so they vanish with the transaction and cost no table access. A session
 *   could reset them with `set_config` itself: that only defeats its own emulation, and nothing of
 *   anyone else's. Measured: about 15-25 µs per modifying statement; nothing for reads.
 * - Once the byte total crosses `bytes`, a SECURITY DEFINER helper inserts one row into
 *   `sys.transaction_usage` (an unlogged table only the bootstrap role can write), whose deferred
 *   constraint trigger fails at COMMIT, which then rolls back (and removes the row).
 *   `SET CONSTRAINTS ALL IMMEDIATE` would only move that failure to the end of the statement.
 * - An event trigger on `ddl_command_end` attaches the triggers to each table created (by any role), and on
 *   `ALTER TABLE` / `ALTER TRIGGER` re-enables them if disabled; one on `sql_drop` puts them back when a
 *   `DROP TRIGGER` removed them from a table that still exists. Setup attaches them to tables already
 *   there (a kept `dataDir`). With both limits off, setup removes them and attaches none (no overhead).
 *
 * The limits are literals in the functions, rewritten at every start: a restart with other limits
 * takes effect.
 *
 * @example
 * ```ts
 * await pool.query(limitTriggersSql({ rows: 3000, bytes: 10 * 1024 * 1024 }))
 * ```
 */
export function limitTriggersSql(limits: TransactionLimits): string {
  const enabled = limits.rows !== undefined || limits.bytes !== undefined
  const rowRule = dsqlRule('row-limit')
  const sizeRule = dsqlRule('size-limit')
  const rowCheck =
    limits.rows === undefined
      ? ''
      : `IF total_rows > ${Math.floor(limits.rows)} THEN
    RAISE EXCEPTION USING ERRCODE = ${quoteLiteral(rowRule.code)}, MESSAGE = ${quoteLiteral(rowRule.message)};
  END IF;`
  const sizeMark =
    limits.bytes === undefined
      ? ''
      : `IF total_bytes <= ${Math.floor(limits.bytes)} AND total_bytes + written > ${Math.floor(limits.bytes)} THEN
    PERFORM sys.mark_transaction_too_large(total_bytes + written);
  END IF;`
  const sizeTrigger =
    limits.bytes === undefined
      ? ''
      : `CREATE CONSTRAINT TRIGGER size_limit AFTER INSERT ON sys.transaction_usage
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.byte_count > ${Math.floor(limits.bytes)})
  EXECUTE FUNCTION sys.refuse_transaction_size();`
  const attachEach = events
    .map(
      ({ event, bit, transition }) => `
  SELECT t.tgname, t.tgenabled INTO found_trigger FROM pg_trigger t
  WHERE t.tgrelid = target AND t.tgfoid = ${quoteLiteral(countFunction)}::regprocedure AND t.tgtype & ${bit} <> 0;
  IF NOT FOUND THEN
    EXECUTE format('CREATE TRIGGER %I AFTER ${event} ON %s REFERENCING ${transition}'
      ' FOR EACH STATEMENT EXECUTE FUNCTION ${countFunction}', 'dsql_local_${event.toLowerCase()}_limit', target::regclass);
  ELSIF found_trigger.tgenabled NOT IN ('O', 'A') THEN
    EXECUTE format('ALTER TABLE %s ENABLE TRIGGER %I', target::regclass, found_trigger.tgname);
  END IF;`,
    )
    .join('')
  return `
CREATE UNLOGGED TABLE IF NOT EXISTS sys.transaction_usage (
  pid integer NOT NULL,
  xid xid8 NOT NULL,
  row_count bigint NOT NULL,
  byte_count bigint NOT NULL
);
REVOKE ALL ON sys.transaction_usage FROM PUBLIC;

CREATE OR REPLACE FUNCTION sys.mark_transaction_too_large(total_bytes bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
  INSERT INTO sys.transaction_usage (pid, xid, row_count, byte_count)
  VALUES (pg_backend_pid(), pg_current_xact_id(), 0, total_bytes)
$fn$;
REVOKE ALL ON FUNCTION sys.mark_transaction_too_large(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sys.mark_transaction_too_large(bigint) TO PUBLIC;

-- Runs as the writing role, with nothing but transaction-local settings to touch: no table access,
-- no SECURITY DEFINER (whose SET clause costs a configuration save and restore per call).
CREATE OR REPLACE FUNCTION ${countFunction} RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
  changed bigint;
  written bigint := 0;
  total_rows bigint;
  total_bytes bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT pg_catalog.count(*) INTO changed FROM old_rows;
  ELSE
    SELECT pg_catalog.count(*), coalesce(pg_catalog.sum(pg_catalog.pg_column_size(r.*)), 0)
    INTO changed, written FROM new_rows r;
  END IF;
  IF changed = 0 THEN
    RETURN NULL;
  END IF;
  total_rows := coalesce(nullif(pg_catalog.current_setting('dsql_local.transaction_rows', true), ''), '0')::bigint + changed;
  ${rowCheck}
  total_bytes := coalesce(nullif(pg_catalog.current_setting('dsql_local.transaction_bytes', true), ''), '0')::bigint;
  PERFORM pg_catalog.set_config('dsql_local.transaction_rows', total_rows::text, true),
    pg_catalog.set_config('dsql_local.transaction_bytes', (total_bytes + written)::text, true);
  ${sizeMark}
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION sys.refuse_transaction_size() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = ${quoteLiteral(sizeRule.code)}, MESSAGE = ${quoteLiteral(sizeRule.message)};
END
$fn$;
DROP TRIGGER IF EXISTS size_limit ON sys.transaction_usage;
${sizeTrigger}

CREATE OR REPLACE FUNCTION sys.attach_limit_triggers(target oid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  found_trigger record;
BEGIN
  IF NOT ${enabled} OR NOT EXISTS (
    SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = target AND c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
      AND n.nspname NOT IN ('sys', 'pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
  ) THEN
    RETURN;
  END IF;${attachEach}
END
$fn$;
REVOKE ALL ON FUNCTION sys.attach_limit_triggers(oid) FROM PUBLIC;

CREATE OR REPLACE FUNCTION sys.attach_limit_triggers_after_ddl() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  PERFORM sys.attach_limit_triggers(CASE WHEN d.classid = 'pg_trigger'::regclass
    THEN (SELECT t.tgrelid FROM pg_trigger t WHERE t.oid = d.objid) ELSE d.objid END)
  FROM pg_event_trigger_ddl_commands() d
  WHERE d.classid IN ('pg_class'::regclass, 'pg_trigger'::regclass);
END
$fn$;

CREATE OR REPLACE FUNCTION sys.attach_limit_triggers_after_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  -- address_names of a trigger: schema, table, trigger. The table is gone in a DROP TABLE.
  PERFORM sys.attach_limit_triggers(to_regclass(format('%I.%I', d.address_names[1], d.address_names[2])))
  FROM pg_event_trigger_dropped_objects() d
  WHERE d.object_type = 'trigger' AND d.original;
END
$fn$;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'dsql_local_attach_limit_triggers') THEN
    CREATE EVENT TRIGGER dsql_local_attach_limit_triggers ON ddl_command_end
      WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE', 'ALTER TRIGGER')
      EXECUTE FUNCTION sys.attach_limit_triggers_after_ddl();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'dsql_local_keep_limit_triggers') THEN
    CREATE EVENT TRIGGER dsql_local_keep_limit_triggers ON sql_drop
      WHEN TAG IN ('DROP TRIGGER')
      EXECUTE FUNCTION sys.attach_limit_triggers_after_drop();
  END IF;
END $$;

DO $$
DECLARE
  table_oid oid;
  found_trigger record;
BEGIN
  IF ${enabled} THEN
    FOR table_oid IN SELECT c.oid FROM pg_class c WHERE c.relkind IN ('r', 'p') LOOP
      PERFORM sys.attach_limit_triggers(table_oid);
    END LOOP;
  ELSE
    FOR found_trigger IN SELECT t.tgrelid::regclass AS target, t.tgname FROM pg_trigger t
      WHERE t.tgfoid = ${quoteLiteral(countFunction)}::regprocedure LOOP
      EXECUTE format('DROP TRIGGER %I ON %s', found_trigger.tgname, found_trigger.target);
    END LOOP;
  END IF;
END $$;
`
}
