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

  it('names the validator `proxyproof validate` would use per target: the binary, else the image, else the schema', async () => {
    const { doctor } = await import('./doctor.ts');
    const r = await doctor({ DOCKER_HOST: 'unix:///nonexistent/proxyproof.sock', PATH: process.env.PATH });
    const section = r.text.slice(r.text.indexOf('config validation (proxyproof validate):'));
    // nginx and HAProxy are installed on every machine the tests run on (make deps); Kong and Envoy are not, and there is no engine to look for their images.
    expect(section).toMatch(/\n {2}nginx {4}nginx -t \(nginx on PATH\)\n/);
    expect(section).toMatch(/\n {2}haproxy {2}haproxy -c \(haproxy on PATH\)\n/);
    expect(section).toMatch(/\n {2}kong {5}Kong 3\.9's declarative-config schema .*\(no kong binary and no container engine\)\n/);
    expect(section).toMatch(/\n {2}envoy {4}Envoy's xDS protos and their validate rules, by proxyproof \(no envoy binary and no container engine\)\n/);
  });
});
