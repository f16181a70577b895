/**
 * Idempotent setup SQL for DSQL's asynchronous jobs, run by the stand-in's bootstrap role:
 * - `sys.jobs` with DSQL's columns (`job_id, status, details, job_type, class_id, object_id,
 *   object_name, start_time, update_time`), readable by every role;
 * - `sys.create_index_async(key, ddl, table)` and `sys.validate_constraint_async(key, ddl)`, which the relay
 *   calls in place of `CREATE INDEX ASYNC` / `ALTER TABLE ASYNC ... VALIDATE CONSTRAINT`: they run
 *   the statement at once, as the calling role, and record a `completed` job whose 26-character
 *   lowercase base32 id they return (DSQL answers one `job_id` row); `key` is the relay's
 *   (see `internal-key-sql.ts`);
 * - `CALL sys.wait_for_job(id)`: returns at once for a known id (every job here is already done);
 *   anything else is refused with `22P02`. It is a procedure, so `SELECT sys.wait_for_job(...)`
 *   fails with PostgreSQL's own `42809`, as on DSQL.
 */
export const asyncJobsSql = `
CREATE TABLE IF NOT EXISTS sys.jobs (
  job_id text PRIMARY KEY,
  status text NOT NULL,
  details text,
  job_type text NOT NULL,
  class_id oid,
  object_id oid,
  object_name text,
  start_time timestamptz NOT NULL DEFAULT now(),
  update_time timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON sys.jobs FROM PUBLIC;
GRANT SELECT ON sys.jobs TO PUBLIC;

CREATE OR REPLACE FUNCTION sys.record_job(key text, job_type text, class_id oid, object_id oid, object_name text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  id text := '';
BEGIN
  PERFORM sys.check_internal_key(key);
  FOR i IN 1..26 LOOP
    id := id || substr('abcdefghijklmnopqrstuvwxyz234567', 1 + floor(random() * 32)::int, 1);
  END LOOP;
  INSERT INTO sys.jobs (job_id, status, job_type, class_id, object_id, object_name)
  VALUES (id, 'completed', job_type, class_id, object_id, object_name);
  RETURN id;
END
$fn$;

CREATE OR REPLACE FUNCTION sys.create_index_async(key text, ddl text, table_name text) RETURNS text
LANGUAGE plpgsql
AS $fn$
DECLARE
  before oid[];
  created oid;
BEGIN
  PERFORM sys.check_internal_key(key);
  before := ARRAY(SELECT indexrelid FROM pg_catalog.pg_index WHERE indrelid = table_name::regclass);
  EXECUTE ddl;
  SELECT indexrelid INTO created FROM pg_catalog.pg_index
  WHERE indrelid = table_name::regclass AND indexrelid <> ALL (before);
  RETURN sys.record_job(key, 'INDEX_BUILD', 'pg_catalog.pg_class'::regclass, created,
    (SELECT relname FROM pg_catalog.pg_class WHERE oid = created));
END
$fn$;

CREATE OR REPLACE FUNCTION sys.validate_constraint_async(key text, ddl text) RETURNS text
LANGUAGE plpgsql
AS $fn$
BEGIN
  PERFORM sys.check_internal_key(key);
  EXECUTE ddl;
  RETURN sys.record_job(key, 'VALIDATE_CONSTRAINT', NULL, NULL, NULL);
END
$fn$;

CREATE OR REPLACE PROCEDURE sys.wait_for_job(job_id text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF job_id IS NULL OR job_id !~ '^[a-z2-7]{26}$'
     OR NOT EXISTS (SELECT 1 FROM sys.jobs j WHERE j.job_id = wait_for_job.job_id) THEN
    RAISE EXCEPTION 'invalid job id: "%"', job_id USING ERRCODE = '22P02';
  END IF;
END
$fn$;
GRANT EXECUTE ON FUNCTION sys.record_job(text, text, oid, oid, text) TO PUBLIC;
`
