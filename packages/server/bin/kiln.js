#!/usr/bin/env node
// The `kiln` command. Run it with the project's Node 24 (npx kiln, or npm exec kiln).
// Node's compile cache (in the system temp dir; NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE
// override it) keeps the compiled, type-stripped modules, so later runs neither strip the
// TypeScript again nor load the stripper.
import module from 'node:module';
module.enableCompileCache?.();
await import('../src/main/cli.ts');
