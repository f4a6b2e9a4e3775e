/**
 * Whether process `pid` on this host is alive: this process always is; signal 0 tests the rest
 * (EPERM: it exists, owned by another user). Used to tell a dead writer's leftovers (temporary
 * files, run locks, staged query outputs) from a live one's.
 */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
