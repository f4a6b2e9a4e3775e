import { isIP } from 'node:net'

/**
 * The segments of a request path, or null when the path could step outside the folder it
 * addresses: a `..` or `.` segment, a backslash, a NUL or a colon, in any percent-encoding
 * (decoded repeatedly, so `%252e%252e` is caught as well), or malformed escapes.
 */
export function safeSegments(rawPath: string): string[] | null {
  let p = rawPath
  for (let i = 0; i < 4; i++) {
    let next: string
    try {
      next = decodeURIComponent(p)
    } catch {
      return null
    }
    if (next === p) break
    p = next
  }
  if (/%[0-9a-f]{2}/i.test(p)) return null // still encoded after four rounds: refuse rather than guess
  if (/[\\\0:]/.test(p)) return null
  const segs = p.split('/').filter((s) => s !== '')
  if (segs.some((s) => s === '..' || s === '.')) return null
  return segs
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

/**
 * Whether a request's Host header names this server (DNS-rebinding guard): the bound host, a
 * loopback name or, when bound to every interface (0.0.0.0, ::), any IP literal, each with the
 * server's port; also the names in `allowHosts` (plaf view --allow-host), with the port. A page on evil.example that rebinds its name to 127.0.0.1 sends `Host:
 * evil.example:<port>` and is refused.
 */
export function hostAllowed(header: string | undefined, boundHost: string, port: number, allowHosts: readonly string[] = []): boolean {
  if (!header) return false
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header.trim().toLowerCase())
  if (!m) return false
  const name = m[1]
  const p = m[2] === undefined ? 80 : Number(m[2])
  if (p !== port) return false
  const bare = name.startsWith('[') ? name.slice(1, -1) : name
  if (LOOPBACK.has(name) || bare === boundHost.toLowerCase() || allowHosts.some((h) => h.toLowerCase() === bare)) return true
  const wildcard = boundHost === '0.0.0.0' || boundHost === '::'
  return wildcard && isIP(bare) !== 0
}
