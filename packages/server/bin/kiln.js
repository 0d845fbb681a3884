#!/usr/bin/env node
// The `kiln` command. Run it with the project's Node 24 (npx kiln, or npm exec kiln).
import '../src/main/cli.ts';
