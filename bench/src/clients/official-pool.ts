import net from 'node:net'
import { AuroraDSQLPool } from '@aws/aurora-dsql-node-postgres-connector'
import type { DsqlTarget } from '../bench-target.ts'

/**
 * The official connector's pool as its README shows it: the endpoint as host and `admin` (or the
 * target's role) as user, a token signed at each new connection from the default credential chain.
 * Against a stand-in it trusts the stand-in's CA and its sockets go to the stand-in's port (the
 * endpoint's name does not resolve locally); against a real cluster it is used unchanged.
 *
 * @example
 * ```ts
 * const pool = officialPool(target, 10)
 * try { await pool.query('select 1') } finally { await pool.end() }
 * ```
 */
export function officialPool(target: DsqlTarget, max: number): AuroraDSQLPool {
  const standIn = target.caPem !== undefined
  return new AuroraDSQLPool({
    host: target.endpoint,
    user: target.config.user,
    database: target.config.database,
    max,
    ...(standIn
      ? {
          ssl: { ca: [target.caPem], servername: target.endpoint, rejectUnauthorized: true },
          stream: () => towards(target.host, target.port),
        }
      : {}),
  })
}

/** A socket that connects to `host:port` whatever it is asked for. */
function towards(host: string, port: number): net.Socket {
  const socket = new net.Socket()
  const connect = socket.connect.bind(socket) as (port: number, host: string) => net.Socket
  socket.connect = (() => connect(port, host)) as typeof socket.connect
  return socket
}
