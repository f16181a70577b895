import net from 'node:net'
import tls from 'node:tls'
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

/** DSQL's answer to a refused token, with the reason class in the HINT. */
const accessDenied = (hint: string | RegExp) => ({
  severity: 'FATAL',
  code: '08006',
  message: 'unable to accept connection, access denied',
  hint: typeof hint === 'string' ? hint : expect.stringMatching(hint),
})
const signatureMismatch =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'
const otherArn = 'arn:aws:iam::111122223333:role/app'
const otherKey = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
}
const limitedArn = 'arn:aws:iam::222233334444:role/limited'
const limitedKey = { accessKeyId: 'AKIALIMITED000000001', secretAccessKey: 'limited-secret' }

describe('refusals', () => {
  const { lines, logger } = captureLogger()
  let cluster: DsqlLocalCluster
  const tokens: string[] = []
  /** Remembers every token handed to a client, to prove none reaches the log. */
  const remember = (token: string) => {
    tokens.push(token)
    return token
  }
  const lastWarning = () => lines.filter((line) => line.startsWith('warn:')).at(-1) ?? ''

  beforeAll(async () => {
    cluster = await startDsqlLocal({
      logger,
      credentials: [
        {
          accessKeyId: 'AKIALOCALADMIN000001',
          secretAccessKey: 'local-admin-secret',
          arn: 'arn:aws:iam::000000000000:user/admin',
        },
        { ...otherKey, arn: otherArn },
        { ...limitedKey, arn: limitedArn, allowedActions: ['DbConnect'] },
      ],
    })
  })
  afterAll(async () => {
    await cluster?.stop()
    for (const token of tokens) expect(lines.join('\n')).not.toContain(token)
    expect(lines.join('\n')).not.toContain(otherKey.secretAccessKey)
    expect(lines.join('\n')).not.toContain(limitedKey.secretAccessKey)
  })

  it('refuses an expired token (signed for 1 s, used after 2 s)', async () => {
    const token = remember(await signerFor(cluster, { expiresIn: 1 }).getDbConnectAdminAuthToken())
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const error = await connectError(pgClient(cluster, { password: () => token }))
    expect(error).toMatchObject(
      accessDenied(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z /),
    )
    expect(lastWarning()).toMatch(/token expired at/)
    // postgres.js reads the same fields.
    const sql = postgresJs(cluster, { password: async () => token })
    try {
      await expect(sql`SELECT 1`).rejects.toMatchObject(accessDenied(/^Signature expired: /))
    } finally {
      await sql.end()
    }
  })

  it('refuses a token signed for another host', async () => {
    const signer = signerFor(cluster, {
      hostname: 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws',
    })
    const error = await connectError(
      pgClient(cluster, {
        password: async () => remember(await signer.getDbConnectAdminAuthToken()),
      }),
    )
    expect(error).toMatchObject(accessDenied(signatureMismatch))
    expect(lastWarning()).toMatch(
      /signed for host "abcdefghijklmnopqrstuvwxyz\.dsql\.us-east-1\.on\.aws"/,
    )
  })

  it('refuses a token signed for another region', async () => {
    const signer = signerFor(cluster, { region: 'eu-west-1' })
    const error = await connectError(
      pgClient(cluster, {
        password: async () => remember(await signer.getDbConnectAdminAuthToken()),
      }),
    )
    expect(error).toMatchObject(accessDenied('Credential should be scoped to a valid region.'))
    expect(lastWarning()).toMatch(/signed for region "eu-west-1"/)
  })

  it('refuses a DbConnect token for admin', async () => {
    const signer = signerFor(cluster)
    const error = await connectError(
      pgClient(cluster, { password: async () => remember(await signer.getDbConnectAuthToken()) }),
    )
    expect(error).toMatchObject(
      accessDenied('Wrong user to action mapping. user: admin, action: DbConnect'),
    )
    expect(lastWarning()).toMatch(/"admin" needs a DbConnectAdmin token/)
    const sql = postgresJs(cluster, {
      password: async () => remember(await signer.getDbConnectAuthToken()),
    })
    try {
      await expect(sql`SELECT 1`).rejects.toMatchObject(
        accessDenied('Wrong user to action mapping. user: admin, action: DbConnect'),
      )
    } finally {
      await sql.end()
    }
  })

  it('refuses an unknown access key', async () => {
    const signer = signerFor(cluster, {
      credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' },
    })
    const error = await connectError(
      pgClient(cluster, {
        password: async () => remember(await signer.getDbConnectAdminAuthToken()),
      }),
    )
    expect(error).toMatchObject(
      accessDenied('The security token included in the request is invalid.'),
    )
    expect(lastWarning()).toMatch(/unknown access key ID "AKIAUNKNOWNKEY000000"/)
  })

  it('refuses a token whose signature was tampered with', async () => {
    const token = await signerFor(cluster).getDbConnectAdminAuthToken()
    const tampered = remember(
      token.replace(
        /X-Amz-Signature=([0-9a-f])/,
        (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
      ),
    )
    expect(tampered).not.toBe(token)
    const error = await connectError(pgClient(cluster, { password: () => tampered }))
    expect(error).toMatchObject(accessDenied(signatureMismatch))
    expect(lastWarning()).toMatch(/signature does not match/)
  })

  it('refuses a token signed with the wrong secret for a known key', async () => {
    const signer = signerFor(cluster, {
      credentials: { accessKeyId: otherKey.accessKeyId, secretAccessKey: 'not-the-secret' },
    })
    const error = await connectError(
      pgClient(cluster, {
        password: async () => remember(await signer.getDbConnectAdminAuthToken()),
      }),
    )
    expect(error).toMatchObject(accessDenied(signatureMismatch))
    expect(lastWarning()).toMatch(/signature does not match/)
  })

  it('refuses a DbConnectAdmin token when the principal may only DbConnect', async () => {
    const signer = signerFor(cluster, { credentials: limitedKey })
    const error = await connectError(
      pgClient(cluster, {
        password: async () => remember(await signer.getDbConnectAdminAuthToken()),
      }),
    )
    expect(error).toMatchObject(
      accessDenied(
        `User: ${limitedArn} is not authorized to perform: dsql:DbConnectAdmin on resource: arn:aws:dsql:${cluster.region}:222233334444:cluster/${cluster.endpoint.split('.')[0]}`,
      ),
    )
    expect(lastWarning()).toMatch(`${limitedArn} is not allowed dsql:DbConnectAdmin`)
  })

  it('answers a malformed or mis-scoped token with the hint for its reason class', async () => {
    const valid = await signerFor(cluster).getDbConnectAdminAuthToken()
    const [, day = ''] = /X-Amz-Date=(\d{8})T/.exec(valid) ?? []
    const nextYear = `${Number(day.slice(0, 4)) + 1}${day.slice(4)}`
    const cases: [token: string, hint: string | RegExp][] = [
      ['not-a-token', 'The password is not a well-formed IAM authentication token.'],
      [
        valid.replace('X-Amz-Expires=900', 'X-Amz-Expires=604801'),
        'The password is not a well-formed IAM authentication token.',
      ],
      [
        valid.replace('%2Fdsql%2F', '%2Frds-db%2F'),
        "Credential should be scoped to correct service: 'dsql'.",
      ],
      [
        valid.replaceAll(day, nextYear),
        /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/,
      ],
    ]
    for (const [token, hint] of cases) {
      expect(token).not.toBe(valid)
      const error = await connectError(pgClient(cluster, { password: () => remember(token) }))
      expect(error, token.slice(-40)).toMatchObject(accessDenied(hint))
    }
  })

  it('refuses TLS without SNI (server name) with "sni was not received", through pg and postgres.js', async () => {
    // No servername and an IP address as host: neither driver sends SNI. The CA and the
    // certificate's 127.0.0.1 SAN still verify, so only the missing SNI is wrong.
    const noSni = { ca: [cluster.caPem], rejectUnauthorized: true }
    const sniNotReceived = {
      severity: 'FATAL',
      code: '08006',
      message: 'unable to accept connection, sni was not received',
    }
    const signer = signerFor(cluster)
    for (const sslnegotiation of ['direct', 'postgres'] as const) {
      const before = lines.length
      const error = await connectError(
        pgClient(cluster, {
          password: () => signer.getDbConnectAdminAuthToken(),
          ssl: noSni,
          sslnegotiation,
        }),
      )
      expect(error, sslnegotiation).toMatchObject(sniNotReceived)
      // This attempt's own line, not the previous one's.
      expect(lines.slice(before).join('\n')).toMatch(/no SNI \(TLS server name\) in the handshake/)
    }
    const sql = postgresJs(cluster, {
      password: () => signer.getDbConnectAdminAuthToken(),
      ssl: noSni,
    })
    try {
      await expect(sql`SELECT 1`).rejects.toMatchObject(sniNotReceived)
    } finally {
      await sql.end()
    }
  })

  it('refuses a plaintext startup with a FATAL "TLS required"', async () => {
    const error = await connectError(
      pgClient(cluster, { password: () => 'unused', ssl: false, sslnegotiation: 'postgres' }),
    )
    expect(error).toMatchObject({
      code: '28000',
      message: 'unable to accept connection, TLS required',
    })
    expect(lastWarning()).toMatch(/plaintext startup/)
  })

  it('refuses direct TLS that offers another ALPN protocol, in the handshake', async () => {
    const error = await new Promise<Error & { code?: string }>((resolve, reject) => {
      const socket = tls.connect({
        host: cluster.host,
        port: cluster.port,
        ...verifiedTls(cluster),
        ALPNProtocols: ['http/1.1'],
      })
      socket.on('secureConnect', () => reject(new Error('handshake succeeded')))
      socket.on('error', resolve)
    })
    expect(error.code).toBe('ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL')
  })

  it('closes direct TLS that offers no ALPN, before any protocol byte', async () => {
    const received = await new Promise<number>((resolve, reject) => {
      const socket = tls.connect({
        host: cluster.host,
        port: cluster.port,
        ...verifiedTls(cluster),
      })
      let bytes = 0
      socket.on('data', (chunk: Buffer) => {
        bytes += chunk.length
      })
      socket.on('error', () => {})
      socket.on('close', () => resolve(bytes))
      setTimeout(() => reject(new Error('still open')), 5000)
    })
    expect(received).toBe(0)
    expect(lastWarning()).toMatch(/direct TLS without ALPN "postgresql"/)
  })

  it('is refused by a client that does not trust the CA', async () => {
    const error = await connectError(
      pgClient(cluster, {
        password: () => 'unused',
        ssl: { servername: cluster.endpoint, rejectUnauthorized: true },
      }),
    )
    expect(error.code).toMatch(
      /^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
    )
  })

  it('is refused by a client that expects another host name', async () => {
    const error = await connectError(
      pgClient(cluster, {
        password: () => 'unused',
        ssl: {
          ca: [cluster.caPem],
          servername: 'other.dsql.us-east-1.on.aws',
          rejectUnauthorized: true,
        },
      }),
    )
    expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
  })

  it('answers GSSENCRequest with N, then accepts SSLRequest', async () => {
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(cluster.port, cluster.host)
      const request = (code: number) => {
        const packet = Buffer.alloc(8)
        packet.writeInt32BE(8, 0)
        packet.writeInt32BE(code, 4)
        socket.write(packet)
      }
      let seen = ''
      socket.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1')
        if (seen === 'N') request(80877103)
        if (seen === 'NS') {
          socket.destroy()
          resolve(seen)
        }
      })
      socket.on('error', reject)
      request(80877104)
    })
    expect(answers).toBe('NS')
  })

  it('maps a non-admin role only after AWS IAM GRANT, and not after AWS IAM REVOKE', async () => {
    const admin = postgresJs(cluster, {
      password: () => signerFor(cluster).getDbConnectAdminAuthToken(),
    })
    const app = signerFor(cluster, { credentials: otherKey })
    const notAuthorized = () =>
      `User: ${otherArn} is not authorized to perform: dsql:DbConnect on resource: arn:aws:dsql:${cluster.region}:111122223333:cluster/${cluster.endpoint.split('.')[0]}`
    const connectApp = () =>
      pgClient(cluster, {
        user: 'app',
        password: async () => remember(await app.getDbConnectAuthToken()),
      })
    try {
      await admin.unsafe('CREATE ROLE app WITH LOGIN')

      expect(await connectError(connectApp())).toMatchObject(accessDenied(notAuthorized()))
      expect(lastWarning()).toMatch(`no AWS IAM GRANT maps ${otherArn} to role "app"`)

      // Through postgres.js's extended protocol (Parse/Bind/Execute).
      await admin.unsafe(`AWS IAM GRANT app TO '${otherArn}'`)
      const client = connectApp()
      await client.connect()
      try {
        const { rows } = await client.query('SELECT current_user AS role')
        expect(rows).toEqual([{ role: 'app' }])
        await expect(client.query(`AWS IAM GRANT app TO '${otherArn}'`)).rejects.toMatchObject({
          code: '42501',
        })
        await expect(client.query('SET ROLE admin')).rejects.toMatchObject({ code: '42501' })
        await expect(client.query('SET SESSION AUTHORIZATION admin')).rejects.toMatchObject({
          code: '42501',
        })
      } finally {
        await client.end()
      }

      // Through pg's simple query protocol.
      const revoker = pgClient(cluster, {
        password: () => signerFor(cluster).getDbConnectAdminAuthToken(),
      })
      await revoker.connect()
      await revoker.query(`AWS IAM REVOKE app FROM '${otherArn}'`)
      await revoker.end()
      expect(await connectError(connectApp())).toMatchObject(accessDenied(notAuthorized()))
      expect(lastWarning()).toMatch(`no AWS IAM GRANT maps ${otherArn} to role "app"`)
    } finally {
      await admin.end()
    }
  })

  it('refuses a DbConnectAdmin token for a non-admin role', async () => {
    const error = await connectError(
      pgClient(cluster, {
        user: 'app',
        password: async () => remember(await signerFor(cluster).getDbConnectAdminAuthToken()),
      }),
    )
    expect(error).toMatchObject(
      accessDenied('Wrong user to action mapping. user: app, action: DbConnectAdmin'),
    )
    expect(lastWarning()).toMatch(/DbConnectAdmin tokens are for user "admin" only/)
  })
})
