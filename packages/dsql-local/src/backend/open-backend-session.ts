import { createHash } from 'node:crypto'
import net from 'node:net'
import { BackendSessionError } from '../errors.ts'
import { MessageReader } from '../wire/message-reader.ts'
import { cstring, parseErrorFields, startupMessage, typedMessage } from '../wire/pg-messages.ts'
import { ScramSha256Client } from './scram-sha-256-client.ts'

/** Where and as whom to open a backend session. */
export interface BackendSessionRequest {
  /** A Unix socket (`{ path }`) or TCP address (`{ host, port }`) of the backend. */
  readonly target: net.NetConnectOpts
  readonly user: string
  readonly database: string
  /** Further startup parameters (run-time settings such as `application_name`). */
  readonly params: ReadonlyMap<string, string>
  /** The role's password, asked only if the backend requests one. */
  readonly password: () => Promise<string>
  /** Give up after this long. */
  readonly timeoutMs: number
}

/** A backend session that reached ReadyForQuery, ready to be relayed. */
export interface BackendSession {
  readonly socket: net.Socket
  /** The backend's own cancel key (never shown to the client). */
  readonly processId: number
  readonly secret: number
  /** ParameterStatus and NoticeResponse messages of the startup answer, in order. */
  readonly startupMessages: Buffer
  /** The ReadyForQuery message that closed the startup answer. */
  readonly readyForQuery: Buffer
  /** Bytes the backend sent after ReadyForQuery (normally none). */
  readonly leftover: Buffer
}

/**
 * Opens a session on the backend PostgreSQL: StartupMessage, authentication (trust, cleartext,
 * MD5 or SCRAM-SHA-256) and the startup answer up to ReadyForQuery.
 *
 * @example
 * ```ts
 * const session = await openBackendSession({ target: { path: socketFile }, user: 'admin', database: 'postgres', params, password, timeoutMs: 10_000 })
 * ```
 */
export async function openBackendSession(request: BackendSessionRequest): Promise<BackendSession> {
  let asked = false
  const password = () => {
    asked = true
    return request.password()
  }
  try {
    return await openOnce({ ...request, password })
  } catch (error) {
    // PostgreSQL reads a role's MD5 or SCRAM secret before it asks for the password, so a password
    // set while this session was authenticating (a backend given by URL sets one at a role's first
    // login) is checked only from the next session on: try once more.
    if (!asked || !(error instanceof BackendSessionError) || error.code !== '28P01') throw error
    return openOnce(request)
  }
}

async function openOnce(request: BackendSessionRequest): Promise<BackendSession> {
  const socket = net.connect(request.target)
  socket.setNoDelay(true)
  const timer = setTimeout(
    () => socket.destroy(new Error('backend did not answer in time')),
    request.timeoutMs,
  )
  const reader = new MessageReader(socket)
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    const params = new Map([
      ['user', request.user],
      ['database', request.database],
    ])
    for (const [name, value] of request.params) params.set(name, value)
    socket.write(startupMessage(params))

    let scram: ScramSha256Client | undefined
    let processId = 0
    let secret = 0
    const startupMessages: Buffer[] = []
    for (;;) {
      const message = await reader.readMessage()
      switch (message.type) {
        case 'R': {
          const kind = message.body.readInt32BE(0)
          if (kind === 3) {
            socket.write(typedMessage('p', cstring(await request.password())))
          } else if (kind === 5) {
            const password = await request.password()
            const inner = md5(`${password}${request.user}`)
            const outer = md5(Buffer.concat([Buffer.from(inner), message.body.subarray(4, 8)]))
            socket.write(typedMessage('p', cstring(`md5${outer}`)))
          } else if (kind === 10) {
            if (!message.body.toString('utf8', 4).split('\0').includes('SCRAM-SHA-256')) {
              throw new BackendSessionError('28000', 'backend offers no SCRAM-SHA-256')
            }
            scram = new ScramSha256Client(await request.password())
            const first = Buffer.from(scram.firstMessage())
            const length = Buffer.alloc(4)
            length.writeInt32BE(first.length, 0)
            socket.write(
              typedMessage('p', Buffer.concat([cstring('SCRAM-SHA-256'), length, first])),
            )
          } else if (kind === 11 && scram) {
            const final = scram.finalMessage(message.body.toString('utf8', 4))
            socket.write(typedMessage('p', Buffer.from(final)))
          } else if (kind === 12 && scram) {
            scram.verifyServer(message.body.toString('utf8', 4))
          } else if (kind !== 0) {
            throw new BackendSessionError('28000', `unsupported backend authentication ${kind}`)
          }
          break
        }
        case 'K':
          processId = message.body.readInt32BE(0)
          secret = message.body.readInt32BE(4)
          break
        case 'S':
        case 'N':
          startupMessages.push(typedMessage(message.type, message.body))
          break
        case 'E': {
          const fields = parseErrorFields(message.body)
          throw new BackendSessionError(
            fields.get('C') ?? '08006',
            fields.get('M') ?? 'backend error',
          )
        }
        case 'Z':
          return {
            socket,
            processId,
            secret,
            startupMessages: Buffer.concat(startupMessages),
            readyForQuery: typedMessage('Z', message.body),
            leftover: reader.detach(),
          }
        default:
          // NegotiateProtocolVersion and anything else of the startup phase: nothing to relay.
          break
      }
    }
  } catch (error) {
    reader.detach()
    socket.destroy()
    if (error instanceof BackendSessionError) throw error
    throw new BackendSessionError('08006', 'could not open a backend session', { cause: error })
  } finally {
    clearTimeout(timer)
  }
}

function md5(value: string | Buffer): string {
  return createHash('md5').update(value).digest('hex')
}
