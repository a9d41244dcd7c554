#!/usr/bin/env node
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of our modules on disk, so later runs skip parsing the engine
// (about a third of a small build's start-up). Node 20 has no such switch: the call is skipped.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2));
