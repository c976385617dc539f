// What a suite says about its spec must hold in the spec: the operationIds
// its upstreams, policies and load scenarios name, and the security scheme.
// Each check says what its own section names (PolicySection.againstSpec).

import { checks } from '../checks/registry.ts';
import { unknownOperation } from '../checks/shared/spec-refs.ts';
import { InputError } from '../model/errors.ts';
import type { Spec } from '../model/spec.ts';
import type { Suite } from '../model/suite.ts';
import type { Route } from '../model/routes.ts';
import { operationsOf } from '../routes/requests.ts';
import { generateRequest } from '../spec/generate-request.ts';
import { createRng } from '../util/rng.ts';

/** A route must take at least one operation of the spec, and its own policies must hold there too. */
function routeProblems(route: Route, i: number, spec: Spec): { place: string; detail: string } | undefined {
  const rng = createRng(0);
  const mapped = operationsOf(route, spec.operations, (op) => generateRequest(spec, op, rng), rng);
  if (!mapped.length) return { place: `routes[${i}]`, detail: `route ${route.name} matches no operation of ${spec.file}` };
  for (const c of checks) {
    const policy = (route.policies as Record<string, unknown>)[c.name];
    const found = policy !== undefined ? c.section.againstSpec?.(policy as never, spec) : undefined;
    if (found) return { place: `routes[${i}].${c.name}.${found.place}`, detail: found.detail };
  }
  return undefined;
}

export function checkAgainstSpec(suite: Suite, spec: Spec): void {
  const problems = [
    ...suite.upstreams.map((u) => unknownOperation(`upstreams.${u.name}.operations`, u.operations, spec)),
    ...checks.map((c) => {
      const policy = suite.policies[c.name];
      const found = policy !== undefined ? c.section.againstSpec?.(policy as never, spec) : undefined;
      return found && { place: `policies.${c.name}.${found.place}`, detail: found.detail };
    }),
    ...(suite.routes ?? []).map((r, i) => routeProblems(r, i, spec)),
    ...(suite.load?.scenarios ?? []).map((sc) => unknownOperation(`load.scenarios.${sc.name}.operations`, sc.operations && Object.keys(sc.operations), spec)),
  ];
  const first = problems.find((p) => p !== undefined);
  if (first) throw new InputError(suite.file, first.place, first.detail);
}
