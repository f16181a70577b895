import { spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import type postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlLocalCluster, startDsqlLocal } from '../src/index.ts'
import {
  captureLogger,
  connectError,
  pgClient,
  postgresJs,
  signerFor,
  verifiedTls,
} from './helpers.ts'

const appArn = 'arn:aws:iam::111122223333:role/app'
const appKey = {
  accessKeyId: 'AKIAAPPKEY0000000001',
  secretAccessKey: 'app-secret-key/never+logged',
}
/** Temporary credentials: the token carries `X-Amz-Security-Token`, a secret too. */
const adminKey = {
  accessKeyId: 'ASIAADMINKEY00000001',
  secretAccessKey: 'admin-secret-key/never+logged',
  sessionToken: 'IQoJb3JpZ2luX2VjEAdminSessionToken/never+logged==',
}
const permissionDenied = { code: '42501' }

describe('privileges: no way to another role, around the front, or to the superuser', () => {
  const { lines, logger } = captureLogger()
  let cluster: DsqlLocalCluster
  const adminToken = () => signerFor(cluster).getDbConnectAdminAuthToken()
  const appSigner = () => signerFor(cluster, { credentials: appKey })
  const connectAdmin = async () => {
    const client = pgClient(cluster, { password: adminToken })
    await client.connect()
    return client
  }
  const connectApp = async () => {
    const client = pgClient(cluster, {
      user: 'app',
      password: () => appSigner().getDbConnectAuthToken(),
    })
    await client.connect()
    return client
  }
  const mappings = async () => {
    const admin = await connectAdmin()
    try {
      const { rows } = await admin.query(
        'SELECT pg_role_name AS role, arn FROM sys.iam_pg_role_mappings ORDER BY 1, 2',
      )
      return rows
    } finally {
      await admin.end()
    }
  }

  beforeAll(async () => {
    cluster = await startDsqlLocal({
      // These are the backend's own defences: tested without DSQL's SQL rules in front, which
      // refuse some of the same statements earlier (ALTER SYSTEM, CREATE DATABASE, LANGUAGE c).
      sqlDialect: 'postgres',
      logger,
      credentials: [
        { ...adminKey, arn: 'arn:aws:sts::000000000000:assumed-role/admin/session' },
        { ...appKey, arn: appArn },
      ],
    })
    const admin = await connectAdmin()
    try {
      await admin.query('CREATE ROLE app WITH LOGIN')
      await admin.query('CREATE ROLE other WITH LOGIN')
      await admin.query(`AWS IAM GRANT app TO '${appArn}'`)
    } finally {
      await admin.end()
    }
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  /** Every way a session could try to act as `target`; each must fail and change nothing. */
  const tryToBecome = async (client: pg.Client, sql: postgres.Sql, target: string) => {
    const quoted = pg.escapeIdentifier(target)
    // Simple query protocol (pg without parameters).
    for (const statement of [
      `SET ROLE ${quoted}`,
      `SET SESSION ROLE ${quoted}`,
      `SET SESSION AUTHORIZATION ${quoted}`,
      `SELECT set_config('role', ${pg.escapeLiteral(target)}, false)`,
      `SELECT set_config('session_authorization', ${pg.escapeLiteral(target)}, false)`,
    ]) {
      await expect(client.query(statement), statement).rejects.toMatchObject(permissionDenied)
    }
    await client.query('BEGIN')
    await expect(client.query(`SET LOCAL ROLE ${quoted}`)).rejects.toMatchObject(permissionDenied)
    await client.query('ROLLBACK')
    // Extended protocol: pg with parameters, postgres.js (Parse/Bind/Execute).
    await expect(
      client.query('SELECT set_config($1, $2, false)', ['role', target]),
    ).rejects.toMatchObject(permissionDenied)
    await expect(
      client.query('SELECT set_config($1, $2, true)', ['session_authorization', target]),
    ).rejects.toMatchObject(permissionDenied)
    await expect(sql.unsafe(`SET ROLE ${quoted}`)).rejects.toMatchObject(permissionDenied)
    await expect(sql`SELECT set_config('role', ${target}, false)`).rejects.toMatchObject(
      permissionDenied,
    )
    // RESET ROLE and SET ROLE NONE return to the session user, never to anyone else.
    await client.query('RESET ROLE')
    await client.query('SET ROLE NONE')
    await client.query('RESET SESSION AUTHORIZATION')
    await sql.unsafe('RESET ROLE')
  }

  it('admin cannot become the bootstrap superuser, a role it created, or a predefined role', async () => {
    const client = await connectAdmin()
    const sql = postgresJs(cluster, { password: adminToken })
    try {
      for (const target of ['dsql_local_bootstrap', 'app', 'pg_read_server_files']) {
        await tryToBecome(client, sql, target)
      }
      const who = 'SELECT current_user AS current, session_user AS session'
      expect((await client.query(who)).rows).toEqual([{ current: 'admin', session: 'admin' }])
      expect(await sql.unsafe(who)).toEqual([{ current: 'admin', session: 'admin' }])
    } finally {
      await client.end()
      await sql.end()
    }
  })

  it('a non-admin role cannot become admin, another role, or the bootstrap superuser', async () => {
    const client = await connectApp()
    const sql = postgresJs(cluster, {
      user: 'app',
      password: () => appSigner().getDbConnectAuthToken(),
    })
    try {
      for (const target of ['admin', 'other', 'dsql_local_bootstrap']) {
        await tryToBecome(client, sql, target)
      }
      const who = 'SELECT current_user AS current, session_user AS session'
      expect((await client.query(who)).rows).toEqual([{ current: 'app', session: 'app' }])
      expect(await sql.unsafe(who)).toEqual([{ current: 'app', session: 'app' }])
      // Snapshot isolation for every role, whatever the driver.
      expect(await sql`SELECT current_setting('transaction_isolation') AS isolation`).toEqual([
        { isolation: 'repeatable read' },
      ])
    } finally {
      await client.end()
      await sql.end()
    }
  })

  it('refuses role and session_authorization given as startup parameters', async () => {
    const startupParameters: Record<string, string>[] = [
      { role: 'dsql_local_bootstrap' },
      { session_authorization: 'dsql_local_bootstrap' },
    ]
    for (const connection of startupParameters) {
      const sql = postgresJs(cluster, { password: adminToken, connection })
      try {
        await expect(sql`SELECT current_user`).rejects.toMatchObject(permissionDenied)
      } finally {
        await sql.end()
      }
    }
    const viaOptions = new pg.Client({
      ...clientConfig(cluster),
      password: adminToken,
      options: '-c role=dsql_local_bootstrap',
    })
    viaOptions.on('error', () => {})
    expect(await connectError(viaOptions)).toMatchObject(permissionDenied)
  })

  it('admin is not a superuser: no server settings, files, programs, extensions or own attributes', async () => {
    const client = await connectAdmin()
    try {
      expect(
        (await client.query(`SELECT rolsuper FROM pg_roles WHERE rolname = 'admin'`)).rows,
      ).toEqual([{ rolsuper: false }])
      await client.query('CREATE TABLE loot (line text)')
      for (const statement of [
        `ALTER SYSTEM SET work_mem = '1GB'`,
        `ALTER SYSTEM RESET ALL`,
        `COPY loot FROM PROGRAM 'id'`,
        `COPY loot TO PROGRAM 'cat'`,
        `COPY loot FROM '/etc/passwd'`,
        `COPY loot TO '/tmp/dsql-local-loot'`,
        `SELECT pg_read_file('postgresql.conf')`,
        `SELECT pg_read_binary_file('/etc/passwd')`,
        `SELECT pg_ls_dir('.')`,
        `SELECT lo_import('/etc/passwd')`,
        'ALTER ROLE admin SUPERUSER',
        'ALTER ROLE admin CREATEDB',
        'ALTER ROLE admin REPLICATION',
        'ALTER ROLE admin BYPASSRLS',
        'ALTER ROLE dsql_local_bootstrap PASSWORD NULL',
        'GRANT pg_read_server_files TO admin',
        'GRANT pg_write_server_files TO admin',
        'GRANT pg_execute_server_program TO admin',
        'GRANT dsql_local_bootstrap TO admin',
        'GRANT admin TO app',
        // Would switch off the event trigger that refuses extensions.
        'SET session_replication_role = replica',
        `CREATE FUNCTION native() RETURNS int LANGUAGE c AS 'libc', 'getpid'`,
        `LOAD 'auto_explain'`,
        'CREATE DATABASE other',
        'SHOW data_directory',
      ]) {
        await expect(client.query(statement), statement).rejects.toMatchObject(permissionDenied)
      }
      for (const extension of ['pgcrypto', 'plpgsql', 'dblink']) {
        await expect(client.query(`CREATE EXTENSION ${extension}`)).rejects.toMatchObject({
          code: '0A000',
        })
      }
      expect(
        (
          await client.query(
            `SELECT rolsuper, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = 'admin'`,
          )
        ).rows,
      ).toEqual([
        { rolsuper: false, rolcreatedb: false, rolreplication: false, rolbypassrls: false },
      ])
    } finally {
      await client.end()
    }
  })

  it('accepts AWS IAM GRANT and REVOKE from admin sessions only', async () => {
    const before = await mappings()
    expect(before).toEqual([{ role: 'app', arn: appArn }])
    const client = await connectApp()
    const sql = postgresJs(cluster, {
      user: 'app',
      password: () => appSigner().getDbConnectAuthToken(),
    })
    try {
      for (const statement of [
        `AWS IAM GRANT other TO '${appArn}'`,
        `AWS IAM REVOKE app FROM '${appArn}'`,
        `CALL sys.aws_iam_grant('other', '${appArn}')`,
        `CALL sys.aws_iam_revoke('app', '${appArn}')`,
      ]) {
        // Simple query protocol, then extended (postgres.js Parse/Bind/Execute).
        await expect(client.query(statement), statement).rejects.toMatchObject(permissionDenied)
        await expect(sql.unsafe(statement), statement).rejects.toMatchObject(permissionDenied)
      }
      await expect(client.query('SELECT * FROM sys.iam_pg_role_mappings')).rejects.toMatchObject(
        permissionDenied,
      )
      await expect(
        client.query(`INSERT INTO sys.iam_pg_role_mappings VALUES ('${appArn}', 'other', 'admin')`),
      ).rejects.toMatchObject(permissionDenied)
    } finally {
      await client.end()
      await sql.end()
    }
    expect(await mappings()).toEqual(before)
    expect(
      await connectError(
        pgClient(cluster, { user: 'other', password: () => appSigner().getDbConnectAuthToken() }),
      ),
    ).toMatchObject({ code: '08006' })
  })

  it('gives PostgreSQL no TCP port: only a Unix socket in a directory no other OS user can enter', async () => {
    const client = await connectAdmin()
    try {
      expect((await client.query('SHOW listen_addresses')).rows).toEqual([{ listen_addresses: '' }])
    } finally {
      await client.end()
    }
    const socketDir = path.join(path.dirname(cluster.caFile), 'socket')
    const socketFile = path.join(socketDir, '.s.PGSQL.5432')
    expect(statSync(socketFile).isSocket()).toBe(true)
    expect(statSync(socketDir).mode & 0o777).toBe(0o700)
    if (process.getuid?.() !== 0) return
    // As root the directory belongs to the `postgres` OS user: try to enter it as yet another user
    // (nobody), with the system shell, which every user can run (the Node binary may sit in a
    // directory only root can enter).
    const outcome = spawnSync(
      '/bin/sh',
      ['-c', 'cd "$1" 2>/dev/null && echo entered || echo EACCES', 'sh', socketDir],
      {
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
      },
    ).stdout.trim()
    expect(outcome).toBe('EACCES')
  })

  it('logs why each token was refused, but never a token, signature, secret key or session token', async () => {
    // Signed now, used last: expired by then.
    const expired = await signerFor(cluster, { expiresIn: 1 }).getDbConnectAdminAuthToken()
    const started = Date.now()
    const tokens: string[] = [expired]
    const attempt = async (
      user: string,
      token: string | Promise<string>,
      extra: { database?: string } = {},
    ) => {
      const password = await token
      tokens.push(password)
      const client = new pg.Client({ ...clientConfig(cluster), ...extra, user, password })
      client.on('error', () => {})
      return connectError(client)
    }
    const adminSigner = signerFor(cluster)
    const valid = await adminSigner.getDbConnectAdminAuthToken()
    /** `valid` with one part changed (the signature no longer matches, but other checks come first). */
    const tampered = (from: string | RegExp, to: string) => {
      const token = valid.replace(from, to)
      expect(token).not.toBe(valid)
      return token
    }
    const [, day = ''] = /X-Amz-Date=(\d{8})T/.exec(valid) ?? []
    const nextDay = new Date(Date.UTC(+day.slice(0, 4), +day.slice(4, 6) - 1, +day.slice(6) + 1))
      .toISOString()
      .slice(0, 10)
      .replaceAll('-', '')
    const withKey = (credentials: {
      accessKeyId: string
      secretAccessKey: string
      sessionToken?: string
    }) => signerFor(cluster, { credentials }).getDbConnectAdminAuthToken()
    const cases: [user: string, token: string | Promise<string>, reason: RegExp][] = [
      [
        'admin',
        signerFor(cluster, { hostname: 'x.dsql.us-east-1.on.aws' }).getDbConnectAdminAuthToken(),
        /signed for host "x\.dsql/,
      ],
      [
        'admin',
        signerFor(cluster, { region: 'eu-west-1' }).getDbConnectAdminAuthToken(),
        /signed for region "eu-west-1"/,
      ],
      ['admin', adminSigner.getDbConnectAuthToken(), /needs a DbConnectAdmin token/],
      [
        'app',
        adminSigner.getDbConnectAdminAuthToken(),
        /DbConnectAdmin tokens are for user "admin" only/,
      ],
      ['other', appSigner().getDbConnectAuthToken(), /no AWS IAM GRANT maps .* to role "other"/],
      [
        'admin',
        withKey({ accessKeyId: 'AKIAUNKNOWN000000001', secretAccessKey: 'unknown-secret' }),
        /unknown access key ID "AKIAUNKNOWN000000001"/,
      ],
      [
        'admin',
        withKey({ ...adminKey, secretAccessKey: 'wrong-secret' }),
        /signature does not match/,
      ],
      [
        'admin',
        withKey({ ...adminKey, sessionToken: 'wrong-session-token' }),
        /session token does not match/,
      ],
      [
        'admin',
        withKey({ accessKeyId: adminKey.accessKeyId, secretAccessKey: adminKey.secretAccessKey }),
        /session token does not match/,
      ],
      [
        'admin',
        tampered(/X-Amz-Signature=[0-9a-f]{8}/, 'X-Amz-Signature=00000000'),
        /signature does not match/,
      ],
      [
        'admin',
        tampered('X-Amz-Expires=900', 'X-Amz-Expires=604801'),
        /X-Amz-Expires 604801 exceeds the maximum of 604800 s/,
      ],
      [
        'admin',
        tampered(`X-Amz-Date=${day}`, `X-Amz-Date=${nextDay}`),
        /credential scope date "\d{8}" differs/,
      ],
      ['admin', tampered(new RegExp(day, 'g'), nextDay), /dated in the future/],
      [
        'admin',
        tampered('X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Algorithm=AWS4-HMAC-SHA512'),
        /algorithm "AWS4-HMAC-SHA512"/,
      ],
      [
        'admin',
        tampered('X-Amz-SignedHeaders=host', 'X-Amz-SignedHeaders=host%3Bx-amz-date'),
        /signs headers "host;x-amz-date"/,
      ],
      ['admin', tampered('%2Fdsql%2F', '%2Frds-db%2F'), /signed for service "rds-db"/],
      ['admin', tampered('X-Amz-Date=', 'X-Amz-Date=1'), /malformed X-Amz-Date/],
      [
        'admin',
        tampered('Action=DbConnectAdmin', 'Action=DbConnect%0Aforged'),
        /Action "DbConnect\\nforged"/,
      ],
      ['admin', `https://${valid}`, /starts with a URL scheme/],
      ['admin', 'not-a-token-but-a-real-password', /password is not a DSQL token/],
    ]
    const errors = await Promise.all(cases.map(([user, token]) => attempt(user, token)))
    for (const error of errors) expect(error).toMatchObject({ code: '08006' })
    expect(await attempt('admin', valid, { database: 'other' })).toMatchObject({ code: '3D000' })
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 1100 - Date.now())))
    const expiredError = await attempt('admin', expired)
    expect(expiredError).toMatchObject({ code: '08006' })

    const refused = lines.filter((line) => line.startsWith('warn: refused'))
    for (const [, , reason] of [...cases, ['', '', /token expired at/] as const]) {
      expect(
        refused.some((line) => reason.test(line)),
        String(reason),
      ).toBe(true)
    }
    const log = lines.join('\n')
    const secrets = [
      ...tokens,
      ...tokens.map((token) => /X-Amz-Signature=([0-9a-f]+)/.exec(token)?.[1] ?? token),
      ...tokens.map((token) => /X-Amz-Security-Token=([^&]+)/.exec(token)?.[1] ?? token),
      adminKey.secretAccessKey,
      adminKey.sessionToken,
      encodeURIComponent(adminKey.sessionToken),
      appKey.secretAccessKey,
      'wrong-secret',
      'wrong-session-token',
      'unknown-secret',
      'not-a-token-but-a-real-password',
    ]
    for (const secret of secrets) expect(log).not.toContain(secret)
    // Nor does what the client reads: message and HINT of every refusal.
    const answers = [...errors, expiredError]
      .map((error) => `${error.message}\n${(error as { hint?: string }).hint ?? ''}`)
      .join('\n')
    for (const secret of secrets) expect(answers).not.toContain(secret)
    // A value taken from a token cannot forge a log line.
    expect(log).not.toMatch(/\nforged/)
  })
})

function clientConfig(cluster: DsqlLocalCluster): pg.ClientConfig {
  return {
    host: cluster.host,
    port: cluster.port,
    database: 'postgres',
    user: 'admin',
    ssl: verifiedTls(cluster),
    sslnegotiation: 'direct',
    connectionTimeoutMillis: 10_000,
  }
}
