import { createHash, createHmac } from 'node:crypto'

/**
 * An independent SigV4 check for presigned DSQL tokens, written from the AWS specification with
 * node:crypto only, so the tests do not trust the signer to check itself.
 */
export interface ParsedToken {
  readonly host: string
  readonly params: ReadonlyMap<string, string>
  readonly signature: string
}

export function parseToken(token: string): ParsedToken {
  const slash = token.indexOf('/?')
  if (slash < 0) throw new Error('token has no "/?" after the host')
  const host = token.slice(0, slash)
  const params = new Map(new URLSearchParams(token.slice(slash + 2)))
  return { host, params, signature: params.get('X-Amz-Signature') ?? '' }
}

export function expectedSignature(token: string, secretAccessKey: string): string {
  const { host } = parseToken(token)
  const rawPairs = token
    .slice(token.indexOf('/?') + 2)
    .split('&')
    .filter((pair) => !pair.startsWith('X-Amz-Signature='))
    .sort()
  const params = new URLSearchParams(token.slice(token.indexOf('/?') + 2))
  const amzDate = params.get('X-Amz-Date') ?? ''
  const [, date, region, service] = (params.get('X-Amz-Credential') ?? '').split('/')
  const canonicalRequest = [
    'GET',
    '/',
    rawPairs.join('&'),
    `host:${host}`,
    '',
    'host',
    sha256(''),
  ].join('\n')
  const scope = `${date}/${region}/${service}/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n')
  let key: Buffer = hmac(`AWS4${secretAccessKey}`, date ?? '')
  for (const part of [region ?? '', service ?? '', 'aws4_request']) key = hmac(key, part)
  return createHmac('sha256', key).update(stringToSign).digest('hex')
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function hmac(key: string | Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest()
}
