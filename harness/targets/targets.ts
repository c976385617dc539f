// The targets proxyproof knows, by name.

import { haproxyTarget } from './haproxy/render.ts';
import { nginxTarget } from './nginx/render.ts';
import { kongTarget } from './kong/render.ts';
import { envoyTarget } from './envoy/render.ts';
import type { TargetDriver } from './target.ts';

const TARGETS: Record<string, TargetDriver> = {
  nginx: nginxTarget,
  haproxy: haproxyTarget,
  kong: kongTarget,
  envoy: envoyTarget,
};

export const targetNames: readonly string[] = Object.keys(TARGETS);

export function getTarget(name: string): TargetDriver | undefined {
  return Object.hasOwn(TARGETS, name) ? TARGETS[name] : undefined;
}
