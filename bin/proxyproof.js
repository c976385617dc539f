#!/usr/bin/env node
// The published entry: runs the TypeScript CLI through tsx's loader, so the
// sources are what ships and there is no build step to forget.
import { register } from 'tsx/esm/api';
register();
await import('../harness/cli/main.ts');
