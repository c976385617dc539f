// The targets proxyproof knows. Adding a target: its folder, and one line here.

import type { TargetDriver } from './target.ts';
import { nginxTarget } from './nginx/index.ts';
import { haproxyTarget } from './haproxy/index.ts';
import { kongTarget } from './kong/index.ts';
import { envoyTarget } from './envoy/index.ts';

export const targets: readonly TargetDriver[] = [nginxTarget, haproxyTarget, kongTarget, envoyTarget];

export const targetNames: readonly string[] = targets.map((t) => t.name);

export function getTarget(name: string): TargetDriver | undefined {
  return targets.find((t) => t.name === name);
}
