// Packages only some runs need are optional peer dependencies of proxyproof, so
// a default install stays small: testcontainers (--runtime container, ~49 MB
// installed) and @grpc/grpc-js-xds (Envoy's API protos, which the Envoy
// validator reads, ~19 MB). Absent, the run that needs one stops with an
// EnvironmentError (exit 3) whose one line says what to install.

import { EnvironmentError } from '../model/errors.ts';

const WHY: Record<OptionalDependency, string> = {
  testcontainers: 'container runs (--runtime container, doctor\'s image list) need it',
  '@grpc/grpc-js-xds': 'Envoy configs are validated against the Envoy API protos it ships',
};

export type OptionalDependency = 'testcontainers' | '@grpc/grpc-js-xds';

/** The one-line error for an absent optional dependency, with the install line. */
export function missingDependency(name: OptionalDependency): EnvironmentError {
  return new EnvironmentError(`the optional package ${name} is not installed: ${WHY[name]}`, `install it: npm i -D ${name}`);
}

/** Is this error Node's "package not found" for `name` (ESM import or require)? */
function notFound(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string };
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && typeof e.message === 'string' && e.message.includes(`'${name}`);
}

/** `await import(name)` through `load`, with the install line when the package is absent. */
export async function importOptional<T>(name: OptionalDependency, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (notFound(err, name)) throw missingDependency(name);
    throw err;
  }
}

/** `require.resolve(request)` for a file of an optional package, with the install line when it is absent. */
export function resolveOptional(name: OptionalDependency, resolve: (request: string) => string, request: string): string {
  try {
    return resolve(request);
  } catch (err) {
    if (notFound(err, name)) throw missingDependency(name);
    throw err;
  }
}
