// proxyproof's version, from package.json: reports, the CLI and k6 scripts say it.

import pkg from '../../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
