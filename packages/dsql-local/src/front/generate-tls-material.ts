// @peculiar/x509 2.x resolves its ASN.1 services through tsyringe, which needs this polyfill.
import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

/** A throwaway CA and a server certificate it signed, all PEM. */
export interface TlsMaterial {
  /** The CA certificate clients trust (`ssl.ca`, `sslrootcert`). */
  readonly caPem: string
  /** The server certificate the TLS front presents. */
  readonly certPem: string
  /** The server certificate's private key (PKCS #8). Never leaves the process. */
  readonly keyPem: string
}

const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const
const oneDayMs = 24 * 60 * 60 * 1000

/**
 * Makes a fresh CA (valid one day back and seven days ahead) and a server certificate for
 * `localhost`, `127.0.0.1`, `::1` and `endpoint`, with ECDSA P-256 keys from WebCrypto.
 * The CA's private key is dropped as soon as the server certificate is signed.
 *
 * @example
 * ```ts
 * const { caPem, certPem, keyPem } = await generateTlsMaterial('abc.dsql.us-east-1.on.aws')
 * ```
 */
export async function generateTlsMaterial(endpoint: string): Promise<TlsMaterial> {
  const crypto = webcrypto
  const notBefore = new Date(Date.now() - oneDayMs)
  const notAfter = new Date(Date.now() + 7 * oneDayMs)

  const caKeys = await crypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify'])
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: 'CN=dsql-local throwaway CA',
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  )

  const serverKeys = await crypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify'])
  const server = await x509.X509CertificateGenerator.create(
    {
      subject: `CN=${endpoint}`,
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: endpoint },
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ]),
        await x509.AuthorityKeyIdentifierExtension.create(ca, false, crypto),
      ],
    },
    crypto,
  )

  const pkcs8 = await crypto.subtle.exportKey('pkcs8', serverKeys.privateKey)
  return {
    caPem: ca.toString('pem'),
    certPem: server.toString('pem'),
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  }
}
