// POSIX shell quoting, for the command lines proxyproof prints (curl lines)
// and runs (a container's check-then-run script).

/** The word as is when it is shell-safe, else single-quoted. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
