// Errors the CLI turns into exit codes. Input errors name the file and the
// place (a YAML line, a JSON pointer) and print on one line, never a stack.

export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  badInput: 2,
  environment: 3,
} as const;

/** Bad input: spec, suite, proxy config or CLI flags. Exit 2. */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly place: string | undefined,
    readonly detail: string,
  ) {
    super(`${file}${place ? `:${place}` : ''}: ${detail}`);
    this.name = 'InputError';
  }
}

/** The machine cannot run what was asked (binary missing, port in use). Exit 3. */
export class EnvironmentError extends Error {
  constructor(message: string, readonly fix?: string) {
    super(fix ? `${message} (${fix})` : message);
    this.name = 'EnvironmentError';
  }
}

/** One line for the terminal: no stack, no newlines from the input. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}
