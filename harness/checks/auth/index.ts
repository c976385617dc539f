// auth: secured operations reject requests with no credential and with each
// invalid consumer's credential (a status in the accepted set), and the
// journal proves those requests never reached an upstream; a valid consumer
// gets through; unsecured operations pass without credentials.

import type { Feature } from '../../model/features.ts';
import type { Check } from '../check.ts';
import { authSchemeOf, invalidConsumers, validConsumers } from '../shared/credentials.ts';
import { trafficClaims } from '../shared/uses.ts';
import { badCredentials, driveAuth } from './drive.ts';
import { judgeAuth } from './judge.ts';
import { authSection } from './policy.ts';

const FEATURE: Record<string, Feature> = { apiKey: 'auth.apiKey', basic: 'auth.basic', bearer: 'auth.bearer' };

export const authCheck: Check<'auth'> = {
  name: 'auth',
  description: 'Requests without or with bad credentials are rejected and never reach the upstream; valid ones pass.',
  section: authSection,
  features(policies, spec) {
    const scheme = authSchemeOf(policies, spec);
    const feature = scheme ? FEATURE[scheme.scheme.kind] : undefined;
    return feature ? [feature] : [];
  },
  uses(ctx) {
    // Every operation, as every credential driveAuth sends (none among them).
    const scheme = authSchemeOf(ctx.policies, ctx.spec)?.scheme;
    const valid = validConsumers(ctx.suite)[0];
    const bad = badCredentials(valid, invalidConsumers(ctx.suite), scheme?.kind === 'apiKey' && scheme.in === 'header').map((b) => b.consumer);
    return { claims: trafficClaims(ctx, ctx.operations, [valid, ...bad]) };
  },
  async run(ctx) {
    const scheme = authSchemeOf(ctx.policies, ctx.spec);
    if (!scheme) return { status: 'skipped', message: 'the spec secures no operation and the suite names no scheme', evidence: {} };
    if (scheme.scheme.kind === 'other') {
      return { status: 'notSupported', message: `security scheme ${scheme.name} (${scheme.scheme.type}) has no credential proxyproof can present`, evidence: {} };
    }
    return judgeAuth(await driveAuth(ctx, scheme.scheme), scheme.name, ctx.policies.auth?.reject ?? [401, 403]);
  },
  secretsSent: (suite) => badCredentials(validConsumers(suite)[0], []).flatMap((b) => (b.consumer?.credential.kind === 'apiKey' ? [b.consumer.credential.key] : [])),
};
