// policies.contract: responses through the proxy satisfy the spec, on some operations or all.

import type { PolicySection } from '../check.ts';
import { unknownOperation } from '../shared/spec-refs.ts';

export interface ContractPolicy {
  /** operationIds to exercise; undefined = all. */
  operations?: string[];
}

declare module '../../model/policies.ts' {
  interface Policies {
    contract?: ContractPolicy;
  }
}

declare module '../../model/features.ts' {
  interface FeatureMap {
    contract: true;
  }
}

export const contractSection: PolicySection<'contract'> = {
  schema: {
    description: 'Contract: responses through the proxy must match the spec.',
    type: ['object', 'null'],
    additionalProperties: false,
    properties: { operations: { $ref: '#/definitions/operationIds', description: 'operationIds to exercise; absent: all.' } },
  },
  parse(c) {
    const contract: ContractPolicy = {};
    if (c.operations) contract.operations = c.operations as string[];
    return contract;
  },
  againstSpec: (policy, spec) => unknownOperation('operations', policy.operations, spec),
};
