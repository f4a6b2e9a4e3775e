import { diagnostic, type Diagnostic } from '../diagnostics.js'

/** What each file-system error a user can cause means, and what to do about it. */
const USER_FS_ERRORS: Readonly<Record<string, { what: string; hint: string }>> = {
  ENOSPC: { what: 'the disk is full', hint: 'free some space, then run again with --resume (completed frames are kept)' },
  EDQUOT: { what: 'the disk quota is exhausted', hint: 'free some space, then run again with --resume (completed frames are kept)' },
  EACCES: { what: 'permission denied', hint: 'choose a location you can write to (--out, runtime.cache_dir) or fix its permissions' },
  EPERM: { what: 'operation not permitted', hint: 'choose a location you can write to (--out, runtime.cache_dir) or fix its permissions' },
  EROFS: { what: 'the file system is read-only', hint: 'choose a writable location (--out, runtime.cache_dir)' },
  ENOTDIR: { what: 'a part of the path is a file, not a directory', hint: 'choose a directory path (--out, runtime.cache_dir)' },
  EEXIST: { what: 'a file is in the way of a directory', hint: 'choose a directory path (--out, runtime.cache_dir)' },
  EISDIR: { what: 'a directory is in the way of a file', hint: 'remove or rename it, or choose another location' },
  ENAMETOOLONG: { what: 'the path is too long', hint: 'choose a shorter location' },
  EMFILE: { what: 'too many open files', hint: 'raise the open-file limit (ulimit -n)' },
}

/** The same errors met while reading: an input the user gave is not what it must be. */
const USER_READ_ERRORS: Readonly<Record<string, { what: string; hint: string }>> = {
  EISDIR: { what: 'it is a directory, not a file', hint: 'give a file inside it (a pipeline: its .yaml file)' },
  EACCES: { what: 'permission denied', hint: 'fix its permissions or give a file you can read' },
  EPERM: { what: 'operation not permitted', hint: 'fix its permissions or give a file you can read' },
  ENOTDIR: { what: 'a part of the path is a file, not a directory', hint: 'check the path' },
  ENAMETOOLONG: { what: 'the path is too long', hint: 'check the path' },
  EMFILE: { what: 'too many open files', hint: 'raise the open-file limit (ulimit -n)' },
}

/** System calls that only read: their failures are the input's, not the output's. */
const READ_SYSCALLS = new Set(['read', 'scandir', 'opendir', 'stat', 'lstat', 'readlink'])

/**
 * A user-facing diagnostic for a file-system error a user can cause, naming the path when the
 * error has it: PLAF_INPUT_INVALID for a failed read (a directory given as a file, an unreadable
 * file), PLAF_OUTPUT_UNWRITABLE otherwise (full disk, no permission, a file where a directory must
 * be, a read-only location…); null for anything else (a bug stays a bug).
 */
export function fsErrorDiagnostic(e: unknown, where?: Partial<Diagnostic>): Diagnostic | null {
  const err = e as (NodeJS.ErrnoException & { dest?: string }) | undefined
  const code = err && typeof err.code === 'string' ? err.code : undefined
  const reading = READ_SYSCALLS.has(err?.syscall ?? '')
  const known = code ? (reading ? USER_READ_ERRORS : USER_FS_ERRORS)[code] : undefined
  if (!known) return null
  const path = err!.path ?? err!.dest ?? (typeof where?.file === 'string' ? where.file : undefined)
  const what = `cannot ${err!.syscall ?? 'write'} ${path ?? 'a file (the system gave no path)'}: ${known.what} (${code})`
  return diagnostic(reading ? 'PLAF_INPUT_INVALID' : 'PLAF_OUTPUT_UNWRITABLE', what, { ...where, file: path, hint: known.hint, cause: e })
}
