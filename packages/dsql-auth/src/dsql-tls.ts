import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { rootCertificates } from 'node:tls'
import { DsqlConfigError } from './errors.ts'
import type { DsqlConfig } from './load-config.ts'
import { NOT_SHOWN } from './value-in-message.ts'

/**
 * TLS socket options for a PostgreSQL driver's `ssl` setting. Verification is always on:
 * there is deliberately no way to ask this module for an unverified connection.
 */
export interface DsqlSslOptions {
  /** Always `true`: the server certificate must chain to a trusted CA. */
  readonly rejectUnauthorized: true
  /** The name sent as SNI and checked against the certificate: the cluster endpoint. Unset for IP addresses. */
  readonly servername?: string
  /** Trusted CAs: Node's bundled roots plus `DB_SSL_ROOT_CERT`, when one is configured. */
  readonly ca?: string[]
  /** TLS 1.2 or newer. */
  readonly minVersion: 'TLSv1.2'
}

/**
 * The connection settings `pg` (>= 8.22) and postgres.js (>= 3.4.8) share for verified, direct TLS:
 * spread them into the driver's options. `sslnegotiation: 'direct'` starts the TLS handshake at once
 * (ALPN `postgresql`, set by the driver) instead of sending an SSLRequest first, saving a round trip.
 */
export interface DsqlTlsSettings {
  /** Verified TLS options for the driver's `ssl` setting. */
  readonly ssl: DsqlSslOptions
  /** PostgreSQL 17 direct TLS negotiation. */
  readonly sslnegotiation: 'direct'
}

/**
 * Verified TLS settings for a cluster: certificate chain and host name checked against
 * `config.endpoint`, SNI set to it (Aurora DSQL routes by SNI), and `DB_SSL_ROOT_CERT` trusted in
 * addition to the public roots (for a cluster behind a private CA, such as `dsql-local`).
 *
 * The driver connects its socket to `config.host`; the certificate is checked against
 * `config.endpoint`. Note that `pg` replaces `servername` with the socket host when that host is
 * a name (not an IP address), so point `DB_HOST` at an IP address or at the endpoint itself.
 *
 * @throws {DsqlConfigError} when `sslRootCert` is not a readable PEM certificate.
 * @example
 * ```ts
 * const pool = new pg.Pool({ host: config.host, port: config.port, ...dsqlTls(config) })
 * const sql = postgres({ host: config.host, port: config.port, ...dsqlTls(config) })
 * ```
 */
export function dsqlTls(config: Pick<DsqlConfig, 'endpoint' | 'sslRootCert'>): DsqlTlsSettings {
  const ssl: { -readonly [K in keyof DsqlSslOptions]: DsqlSslOptions[K] } = {
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  }
  if (isIP(config.endpoint) === 0) ssl.servername = config.endpoint
  if (config.sslRootCert !== undefined) ssl.ca = [...rootCertificates, readCa(config.sslRootCert)]
  return Object.freeze({ ssl: Object.freeze(ssl), sslnegotiation: 'direct' })
}

function readCa(path: string): string {
  const problem = (what: string, cause?: unknown) =>
    new DsqlConfigError(
      [
        {
          variable: 'DB_SSL_ROOT_CERT',
          problem: `${what} (the path is ${NOT_SHOWN})`,
          example: 'DB_SSL_ROOT_CERT=/path/to/ca.pem',
        },
      ],
      { cause },
    )
  let pem: string
  try {
    pem = readFileSync(path, 'utf8')
  } catch (error) {
    throw problem('must name a readable file', error)
  }
  try {
    new X509Certificate(pem)
  } catch (error) {
    throw problem('must hold a PEM certificate (-----BEGIN CERTIFICATE-----)', error)
  }
  return pem
}
