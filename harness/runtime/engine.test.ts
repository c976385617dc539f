// The container runtime's pure parts: which engine socket is tried, and what
// a target without its image says. Runs on a real engine: suites/containers.test.ts.

import { describe, expect, it } from 'vitest';
import { candidateSockets } from './engine.ts';
import { imageSkipReason, type ContainerPlan } from './container-run.ts';

describe('engine detection and skip reasons (pure)', () => {
  it('DOCKER_HOST wins; else the usual sockets, then the project socket', () => {
    expect(candidateSockets({ DOCKER_HOST: 'unix:///x.sock' }, '/w')).toEqual([{ socket: '/x.sock', source: 'DOCKER_HOST' }]);
    const sockets = candidateSockets({ XDG_RUNTIME_DIR: '/run/user/1' }, '/w').map((c) => c.socket);
    expect(sockets).toEqual(['/var/run/docker.sock', '/run/podman/podman.sock', '/run/user/1/podman/podman.sock', '/run/user/1/docker.sock', '/w/.podman/podman.sock']);
  });
  it('a missing Kong image reads "skipped: image kong:3.x not available"', () => {
    const plan: ContainerPlan = {
      engine: { socket: '/s', source: 'x', name: 'Podman Engine 4.3.1' },
      runId: 'r',
      swept: [],
      images: new Map([['s/kong', { image: 'kong:3.9', available: false, tried: ['kong:3.9'] }], ['s/haproxy', { image: 'h', available: true, tried: ['h'] }]]),
    };
    expect(imageSkipReason(plan, 's', 'kong')).toMatch(/^skipped: image kong:3\.x not available/);
    expect(imageSkipReason(plan, 's', 'haproxy')).toBeUndefined();
  });
});

describe('proxyproof doctor', () => {
  it('without an engine: says what it tried and the fix, exit code 3 material', async () => {
    const { doctor } = await import('./doctor.ts');
    const r = await doctor({ DOCKER_HOST: 'unix:///nonexistent/proxyproof.sock' });
    expect(r.ok).toBe(false);
    expect(r.text).toMatch(/engine {3}missing/);
    expect(r.text).toMatch(/tried \/nonexistent\/proxyproof.sock \(DOCKER_HOST\): no such socket/);
    expect(r.text).toMatch(/fix: .*scripts\/podman-setup.sh/);
  });
});
