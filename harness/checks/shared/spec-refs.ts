// What a policy names in the spec must be there.

import type { Spec } from '../../model/spec.ts';

/** The first operationId in `ids` the spec lacks, as a problem at `place`; undefined when all are there. */
export function unknownOperation(place: string, ids: readonly string[] | undefined, spec: Spec): { place: string; detail: string } | undefined {
  const known = new Set(spec.operations.map((o) => o.id));
  const unknown = ids?.find((id) => !known.has(id));
  if (unknown === undefined) return undefined;
  return { place, detail: `operation ${unknown} is not in ${spec.file} (it has ${[...known].slice(0, 8).join(', ')}${known.size > 8 ? ', ...' : ''})` };
}
