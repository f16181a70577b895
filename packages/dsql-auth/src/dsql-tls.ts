import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls'
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
  /**
   * Everything derived from certificates, built once and shared by every connection of every pool
   * with the same `DB_SSL_ROOT_CERT`: Node's bundled public roots (Amazon Root CA 1 among them),
   * plus `DB_SSL_ROOT_CERT` when one is configured, and TLS 1.2 or newer. Both `pg` and postgres.js
   * hand `ssl` to `tls.connect`, which then skips building a context from ~145 roots per connection.
   */
  readonly secureContext: SecureContext
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
 * The TLS context is built once per distinct CA and shared by every connection and every call:
 * each new connection skips the ~6 ms of building one from Node's ~145 public roots. A call reads
 * `DB_SSL_ROOT_CERT` again (a file read), so a replaced certificate file gets a context of its own.
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
    secureContext: secureContextFor(
      config.sslRootCert === undefined ? undefined : readCa(config.sslRootCert),
    ),
  }
  if (isIP(config.endpoint) === 0) ssl.servername = config.endpoint
  return Object.freeze({ ssl: Object.freeze(ssl), sslnegotiation: 'direct' })
}

/**
 * The CAs a connection trusts: Node's bundled public roots (Amazon Root CA 1 among them), plus
 * `extraCa` (a PEM certificate, from `DB_SSL_ROOT_CERT`) when given. `undefined` for the roots
 * alone, which is what Node trusts when no `ca` is set.
 */
export function trustedCas(extraCa: string | undefined): string[] | undefined {
  // A `ca` list replaces Node's roots instead of adding to them: list the roots too.
  return extraCa === undefined ? undefined : [...rootCertificates, extraCa]
}

/** One context per distinct extra CA, by its contents (`undefined`: the public roots only). */
const contexts = new Map<string | undefined, SecureContext>()

function secureContextFor(extraCa: string | undefined): SecureContext {
  let context = contexts.get(extraCa)
  if (context === undefined) {
    context = createSecureContext({ minVersion: 'TLSv1.2', ca: trustedCas(extraCa) })
    contexts.set(extraCa, context)
  }
  return context
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
