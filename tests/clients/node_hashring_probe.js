// Asks the real npm `hashring` where each key goes (tests/real_clients.rs).
//
//     node node_hashring_probe.js CONFIG.json KEYFILE
//
// CONFIG: {"module": PATH to node_modules/hashring,
//          "servers": [{"string": "host:port", "weight": W}, ...],
//          "options": {"vnode count": N, "default port": P} (either may be absent)}
// KEYFILE: keys, each followed by a NUL byte.
//
// Prints "# hashring VERSION", then one line per key: the index in "servers" of the server
// `ring.get(key)` returns, or "-" for none. A key that is valid UTF-8 is passed as a string;
// any other key as a Buffer, which the library turns into text with `key + ''` (invalid
// sequences become U+FFFD). Exit 3 when the module cannot be loaded.
'use strict';

const fs = require('fs');
const path = require('path');

const [configPath, keyPath] = process.argv.slice(2);
const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));

let HashRing;
let version;
try {
  HashRing = require(config.module);
  version = JSON.parse(fs.readFileSync(path.join(config.module, 'package.json'), 'utf8')).version;
} catch (e) {
  process.stderr.write(`cannot load hashring from ${config.module}: ${e.message}\n`);
  process.exit(3);
}

// Array form when every weight is 1, else {string: weight}: object keys keep insertion order
// only when none looks like an array index.
let servers;
if (config.servers.every((s) => s.weight === 1)) {
  servers = config.servers.map((s) => s.string);
} else {
  servers = {};
  for (const s of config.servers) {
    if (/^(0|[1-9][0-9]*)$/.test(s.string)) throw new Error(`index-like server ${s.string}`);
    servers[s.string] = s.weight;
  }
}
const ring = new HashRing(servers, 'md5', config.options || {});
const index = new Map(config.servers.map((s, i) => [s.string, i]));

const data = fs.readFileSync(keyPath);
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const out = [`# hashring ${version}`];
let start = 0;
while (start < data.length) {
  let end = data.indexOf(0, start);
  if (end < 0) end = data.length;
  const bytes = data.subarray(start, end);
  let key;
  try {
    key = strict.decode(bytes);
  } catch (e) {
    key = Buffer.from(bytes);
  }
  const server = ring.get(key);
  out.push(server === undefined ? '-' : String(index.get(server)));
  start = end + 1;
}
process.stdout.write(out.join('\n') + '\n');
