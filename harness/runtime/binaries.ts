// Is a program on PATH? Asked before a run starts, so a missing proxy is an
// environment error (exit 3) with the install hint, not a failed check.

import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { EnvironmentError } from '../model/errors.ts';
import type { ProcessSupport } from '../targets/target.ts';

export async function binaryAvailable(bin: string): Promise<boolean> {
  const candidates = isAbsolute(bin)
    ? [bin]
    : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, bin));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return true;
    } catch {
      // try the next directory
    }
  }
  return false;
}

/** The target's binary must be on PATH to run it as a process: else an EnvironmentError with the install hint (exit 3). */
export async function requireBinary(target: string, process: ProcessSupport): Promise<void> {
  if (!(await binaryAvailable(process.binary))) throw new EnvironmentError(`${target}: ${process.binary} not found on PATH`, process.installHint);
}
