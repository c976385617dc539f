// The files harness/ reads at run time that tsc does not emit (it copies only
// JSON it imports): the nginx JWT script (njs), Kong's declarative schema (read
// through require) and the editors' suite schema (exports: proxyproof/suite-schema.json).
// Plain JavaScript so that `npm pack` needs nothing but tsc.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSETS = ['targets/nginx/jwt.js', 'targets/kong/kong-declarative.schema.json', 'suite/suite-schema.json'];
for (const file of ASSETS) {
  mkdirSync(dirname(join(root, 'dist', file)), { recursive: true });
  copyFileSync(join(root, 'harness', file), join(root, 'dist', file));
}
