import { createHash, createHmac } from 'node:crypto'

/** What a SigV4 presigned `GET /` request is signed over, minus the secret. */
export interface PresignedRequest {
  /** The `host` header value, exactly as signed. */
  readonly host: string
  /** Decoded query parameters, without `X-Amz-Signature`. */
  readonly query: ReadonlyMap<string, string>
  /** `X-Amz-Date`, e.g. `20250101T120000Z`. */
  readonly amzDate: string
  /** The credential scope: `<yyyymmdd>/<region>/<service>/aws4_request`. */
  readonly scope: string
}

/** SHA-256 of the empty body: what the AWS SDK signs for a presigned request without a body. */
const emptyPayloadHash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

/**
 * SigV4 URI encoding: RFC 3986 unreserved characters stay, everything else is `%XX` uppercase.
 */
export function sigv4Encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/**
 * The hex signature that AWS Signature Version 4 gives a presigned `GET /` whose only signed
 * header is `host`, as `@aws-sdk/dsql-signer` makes it. The caller compares it in constant time.
 *
 * @example
 * ```ts
 * const expected = presignedSignature(request, secretAccessKey)
 * ```
 */
export function presignedSignature(request: PresignedRequest, secretAccessKey: string): string {
  const canonicalQuery = [...request.query]
    .map(([key, value]) => [sigv4Encode(key), sigv4Encode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&')
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    `host:${request.host.trim()}`,
    '',
    'host',
    emptyPayloadHash,
  ].join('\n')
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    request.amzDate,
    request.scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n')

  const [date = '', region = '', service = '', terminator = ''] = request.scope.split('/')
  let key: Buffer = createHmac('sha256', `AWS4${secretAccessKey}`).update(date).digest()
  for (const part of [region, service, terminator]) {
    key = createHmac('sha256', key).update(part).digest()
  }
  return createHmac('sha256', key).update(stringToSign).digest('hex')
}
