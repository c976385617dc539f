// The policies of a suite: what the proxies must enforce, one key per check.
// Each check declares its own policy type where it lives, by adding its key
// here (harness/checks/<name>/policy.ts):
//
//   declare module '../../model/policies.ts' {
//     interface Policies { retry?: RetryPolicy }
//   }
//
// So the model names no check, and adding a check touches only its folder
// and the registry (harness/checks/registry.ts).

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Policies {}

/** The name of a policy section under `policies:` (and of the check that owns it). */
export type PolicyName = keyof Policies & string;
