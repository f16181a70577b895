import net from 'node:net'
import { AuroraDSQLPool } from '@aws/aurora-dsql-node-postgres-connector'
import type { DsqlTarget } from '../bench-target.ts'

/**
 * The official connector's pool as its README shows it: the endpoint as host and `admin` (or the
 * target's role) as user, a token signed at every checkout (each `pool.query()` too) from a new
 * default credential chain. With an extra CA (a stand-in's) it trusts that CA too, and when the target's host or port is not
 * the endpoint's (a stand-in on 127.0.0.1, whose endpoint name does not resolve) its sockets go
 * there; against a real cluster it is used unchanged.
 *
 * @example
 * ```ts
 * const pool = officialPool(target, 10)
 * try { await pool.query('select 1') } finally { await pool.end() }
 * ```
 */
export function officialPool(target: DsqlTarget, max: number): AuroraDSQLPool {
  const redirected = target.host !== target.endpoint || target.port !== 5432
  return new AuroraDSQLPool({
    host: target.endpoint,
    user: target.config.user,
    database: target.config.database,
    max,
    ...(target.caPem === undefined
      ? {}
      : { ssl: { ca: [target.caPem], servername: target.endpoint, rejectUnauthorized: true } }),
    ...(redirected ? { stream: () => towards(target.host, target.port) } : {}),
  })
}

/** A socket that connects to `host:port` whatever it is asked for. */
function towards(host: string, port: number): net.Socket {
  const socket = new net.Socket()
  const connect = socket.connect.bind(socket) as (port: number, host: string) => net.Socket
  socket.connect = (() => connect(port, host)) as typeof socket.connect
  return socket
}
