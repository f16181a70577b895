import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rootCertificates } from 'node:tls'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { DsqlConfigError, dsqlTls } from '../src/index.ts'

const ENDPOINT = 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws'
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
      ssl: { rejectUnauthorized: true, servername: ENDPOINT, minVersion: 'TLSv1.2' },
      sslnegotiation: 'direct',
    })
    expect(Object.isFrozen(settings) && Object.isFrozen(settings.ssl)).toBe(true)
  })

  it('keeps Node’s public roots (Amazon Root CA 1 among them) when none is configured', () => {
    expect(AMAZON_ROOT).toBeDefined()
    expect(dsqlTls({ endpoint: ENDPOINT, sslRootCert: undefined }).ssl.ca).toBeUndefined()
  })

  it('adds DB_SSL_ROOT_CERT to the public roots instead of replacing them', () => {
    const pem = AMAZON_ROOT as string
    const { ssl } = dsqlTls({ endpoint: ENDPOINT, sslRootCert: tempFile(pem) })
    expect(ssl.ca).toHaveLength(rootCertificates.length + 1)
    expect(ssl.ca?.at(-1)).toBe(pem)
    expect(ssl.rejectUnauthorized).toBe(true)
  })

  it('sends no SNI for an IP address endpoint (RFC 6066), still verifying the address', () => {
    const { ssl } = dsqlTls({ endpoint: '127.0.0.1', sslRootCert: undefined })
    expect(ssl.servername).toBeUndefined()
    expect(ssl.rejectUnauthorized).toBe(true)
  })

  it('offers no way to switch verification off', () => {
    const sneaky = {
      endpoint: ENDPOINT,
      sslRootCert: undefined,
      rejectUnauthorized: false,
      ssl: { rejectUnauthorized: false },
    }
    expect(dsqlTls(sneaky).ssl.rejectUnauthorized).toBe(true)
    expect(() => {
      ;(dsqlTls(sneaky).ssl as { rejectUnauthorized: boolean }).rejectUnauthorized = false
    }).toThrow(TypeError)
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
    expect(params.ssl).toMatchObject({ rejectUnauthorized: true, servername: ENDPOINT })
  })
})
