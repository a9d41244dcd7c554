#!/usr/bin/env node
import module from 'node:module';
import v8 from 'node:v8';

// Node 22.1+ keeps V8's compiled code of our modules on disk, so later runs skip parsing the engine
// (about a third of a small build's start-up). Node 20 has no such switch: the call is skipped.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// undici parses HTTP responses with llhttp, a WebAssembly module. V8 compiles it at once with its
// baseline compiler, then again, optimised, on a background thread, and Node waits for that at exit:
// 70-140 ms after every run that talked to a registry, for a parser that only reads small responses.
v8.setFlagsFromString('--liftoff-only');

const { batchPlainOutput } = await import('./batched-output.js');
batchPlainOutput();
const { main } = await import('./main.js');
// Exit as soon as the command is done: a connection still in its TLS handshake to a registry that does
// not answer outlives its request (undici lets it run to its 10 s connect timeout), and would keep a
// stopped run alive that long. The 'exit' handlers still run (children, temporary files).
process.exit(await main(process.argv.slice(2)));
