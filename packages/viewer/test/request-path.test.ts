import { describe, expect, it } from 'vitest'
import { hostAllowed, safeSegments } from '../src/request-path.js'

describe('safeSegments', () => {
  it('splits a clean path and decodes it', () => {
    expect(safeSegments('/run/a%20b/c.png')).toEqual(['run', 'a b', 'c.png'])
    expect(safeSegments('/')).toEqual([])
  })
  it('refuses dot segments, backslashes, NUL and colons in every encoding depth', () => {
    for (const p of ['/..', '/a/../b', '/a/./b', '/%2e%2e/x', '/%252e%252E/x', '/%25252e%25252e/x', '/a%5c..%5cb', '/a\\b', '/a%00b', '/C:/x', '/%zz', '/%2525252e%2525252e']) {
      expect(safeSegments(p), p).toBeNull()
    }
  })
})

describe('hostAllowed', () => {
  it('takes the bound host and loopback names at the port only', () => {
    expect(hostAllowed('127.0.0.1:8080', '127.0.0.1', 8080)).toBe(true)
    expect(hostAllowed('localhost:8080', '127.0.0.1', 8080)).toBe(true)
    expect(hostAllowed('LOCALHOST:8080', '127.0.0.1', 8080)).toBe(true)
    expect(hostAllowed('[::1]:8080', '127.0.0.1', 8080)).toBe(true)
    expect(hostAllowed('localhost:8081', '127.0.0.1', 8080)).toBe(false)
    expect(hostAllowed('localhost', '127.0.0.1', 8080)).toBe(false)
    expect(hostAllowed('localhost', '127.0.0.1', 80)).toBe(true)
    expect(hostAllowed(undefined, '127.0.0.1', 8080)).toBe(false)
  })
  it('refuses a rebound name; on a wildcard bind takes IP literals but still no names', () => {
    expect(hostAllowed('evil.example:8080', '127.0.0.1', 8080)).toBe(false)
    expect(hostAllowed('127.0.0.1.nip.io:8080', '127.0.0.1', 8080)).toBe(false)
    expect(hostAllowed('192.168.1.5:8080', '127.0.0.1', 8080)).toBe(false)
    expect(hostAllowed('192.168.1.5:8080', '0.0.0.0', 8080)).toBe(true)
    expect(hostAllowed('evil.example:8080', '0.0.0.0', 8080)).toBe(false)
    expect(hostAllowed('box.lan:8080', 'box.lan', 8080)).toBe(true)
  })
})
