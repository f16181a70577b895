import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, rootCertificates } from 'node:tls'
import { type DsqlLocalCluster, startDsqlLocal } from 'dsql-local'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { trustedCas } from '../src/dsql-tls.ts'
import { DsqlConfigError, type DsqlSslOptions, dsqlTls } from '../src/index.ts'

const ENDPOINT = 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws'
const UNTRUSTED =
  /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/
// Amazon Root CA 1, which Aurora DSQL's certificates chain to, as bundled with Node.
const AMAZON_ROOT = rootCertificates.find((pem) =>
  pem.includes('MIIDQTCCAimgAwIBAgITBmyfz5m/jAo54vB4ikPmljZbyjANBgkqhkiG9w0BAQsF'),
)

function tempFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dsql-tls-')), 'ca.pem')
  writeFileSync(file, content)
  return file
}

describe('dsqlTls', () => {
  it('verifies the chain and the endpoint name, with SNI, and asks for direct TLS', () => {
    const settings = dsqlTls({ endpoint: ENDPOINT, sslRootCert: undefined })
    expect(settings).toEqual({
      ssl: { rejectUnauthorized: true, servername: ENDPOINT, secureContext: expect.anything() },
      sslnegotiation: 'direct',
    })
    expect(Object.isFrozen(settings) && Object.isFrozen(settings.ssl)).toBe(true)
  })

  it('keeps Node’s public roots (Amazon Root CA 1 among them) when none is configured', () => {
    expect(AMAZON_ROOT).toBeDefined()
    expect(trustedCas(undefined)).toBeUndefined() // no `ca`: Node's bundled roots
  })

  it('adds DB_SSL_ROOT_CERT to the public roots instead of replacing them', () => {
    const pem = AMAZON_ROOT as string
    const cas = trustedCas(pem)
    expect(cas).toHaveLength(rootCertificates.length + 1)
    expect(cas?.at(-1)).toBe(pem)
  })

  it('builds the TLS context once and shares it between calls, endpoints and copies of a CA file', () => {
    const pem = AMAZON_ROOT as string
    const first = dsqlTls({ endpoint: ENDPOINT, sslRootCert: tempFile(pem) }).ssl.secureContext
    const again = dsqlTls({ endpoint: `x${ENDPOINT}`, sslRootCert: tempFile(pem) }).ssl
      .secureContext
    expect(again).toBe(first)
    const roots = dsqlTls({ endpoint: ENDPOINT, sslRootCert: undefined }).ssl.secureContext
    expect(dsqlTls({ endpoint: ENDPOINT, sslRootCert: undefined }).ssl.secureContext).toBe(roots)
    expect(roots).not.toBe(first) // another CA, another context
  })

  it('sends no SNI for an IP address endpoint (RFC 6066)', () => {
    expect(
      dsqlTls({ endpoint: '127.0.0.1', sslRootCert: undefined }).ssl.servername,
    ).toBeUndefined()
  })

  it.each([
    ['a missing file', '/nonexistent/ca.pem', /readable file/],
    ['a file that is not a certificate', tempFile('not a certificate'), /PEM certificate/],
  ])('rejects %s with a config error naming DB_SSL_ROOT_CERT', (_name, path, message) => {
    const error = (() => {
      try {
        dsqlTls({ endpoint: ENDPOINT, sslRootCert: path })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(DsqlConfigError)
    expect((error as DsqlConfigError).problems[0]?.variable).toBe('DB_SSL_ROOT_CERT')
    expect((error as Error).message).toMatch(message)
  })

  it('is accepted as is by pg, which keeps direct negotiation and the verified ssl options', () => {
    const client = new pg.Client({
      host: '127.0.0.1',
      ...dsqlTls({ endpoint: ENDPOINT, sslRootCert: undefined }),
    })
    // pg copies connection settings at construction; read them back from its parsed parameters.
    const params = (
      client as unknown as { connectionParameters: { ssl: object; sslnegotiation: string } }
    ).connectionParameters
    expect(params.sslnegotiation).toBe('direct')
    expect(params.ssl).toMatchObject({
      rejectUnauthorized: true,
      servername: ENDPOINT,
      secureContext: dsqlTls({ endpoint: ENDPOINT, sslRootCert: undefined }).ssl.secureContext,
    })
  })
})

describe('dsqlTls in a real TLS handshake with the dsql-local stand-in', () => {
  // What the options do, not what they say: Node's TLS client checks the chain and the name.
  let cluster: DsqlLocalCluster
  beforeAll(async () => {
    cluster = await startDsqlLocal({ logger: { info: () => {}, warn: () => {}, error: () => {} } })
  })
  afterAll(() => cluster?.stop())

  /** Completes a TLS handshake with the stand-in using `ssl`; resolves to whether it was authorized. */
  function handshake(ssl: DsqlSslOptions): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const socket = connect(
        { host: cluster.host, port: cluster.port, ...ssl, ALPNProtocols: ['postgresql'] },
        () => {
          resolve(socket.authorized)
          socket.destroy()
        },
      )
      socket.once('error', reject)
    })
  }

  it('accepts the stand-in when its CA is trusted and the endpoint is its name', async () => {
    const { ssl } = dsqlTls({ endpoint: cluster.endpoint, sslRootCert: cluster.caFile })
    await expect(handshake(ssl)).resolves.toBe(true)
  })

  it('refuses a server whose CA is not trusted, even when the config asked for no verification', async () => {
    // Settings a careless caller might pass along: dsqlTls reads only endpoint and sslRootCert.
    const sneaky = {
      endpoint: cluster.endpoint,
      sslRootCert: undefined,
      rejectUnauthorized: false,
      ssl: { rejectUnauthorized: false },
    }
    await expect(handshake(dsqlTls(sneaky).ssl)).rejects.toMatchObject({
      code: expect.stringMatching(UNTRUSTED),
    })
  })

  it('refuses a trusted certificate issued for another name', async () => {
    const { ssl } = dsqlTls({ endpoint: `other-${cluster.endpoint}`, sslRootCert: cluster.caFile })
    await expect(handshake(ssl)).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
  })

  it('verifies an IP address endpoint against the certificate too (no SNI, still checked)', async () => {
    const trusted = dsqlTls({ endpoint: cluster.host, sslRootCert: cluster.caFile })
    await expect(handshake(trusted.ssl)).resolves.toBe(true) // the certificate names 127.0.0.1
    const untrusted = dsqlTls({ endpoint: cluster.host, sslRootCert: undefined })
    await expect(handshake(untrusted.ssl)).rejects.toMatchObject({
      code: expect.stringMatching(UNTRUSTED),
    })
  })
})
