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

/**
 * A user-facing PLAF_OUTPUT_UNWRITABLE diagnostic for a file-system error a user can cause (full
 * disk, no permission, a file where a directory must be, a read-only location…), naming the path;
 * null for anything else (a bug stays a bug).
 */
export function fsErrorDiagnostic(e: unknown, where?: Partial<Diagnostic>): Diagnostic | null {
  const err = e as (NodeJS.ErrnoException & { dest?: string }) | undefined
  const known = err && typeof err.code === 'string' ? USER_FS_ERRORS[err.code] : undefined
  if (!known) return null
  const path = err!.path ?? err!.dest
  return diagnostic('PLAF_OUTPUT_UNWRITABLE', `cannot ${err!.syscall ?? 'write'} ${path ?? 'a file'}: ${known.what} (${err!.code})`, {
    ...where, file: path, hint: known.hint, cause: e,
  })
}
