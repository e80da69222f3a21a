// Child process of parallel-bundle.test.ts: `node dynamic-cjs-exports.mjs CHUNK SPEC` imports a built chunk that
// stands for `import(SPEC)` of a CommonJS package (bin/build.mjs, 'cjs-dynamic') and Node's own import(SPEC), and
// prints, as JSON, the names of Node's namespace the chunk lacks or gives another value, and whether both defaults
// are the same module.exports. Node itself is the oracle.
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const [chunk, spec] = process.argv.slice(2);
const ours = await import(pathToFileURL(chunk).href);
const node = await import(spec);
// 'module.exports' (Node 23+ names module.exports so too) cannot name a binding; the default is compared below
const differ = Object.keys(node).filter((k) => k !== 'default' && k !== 'module.exports' && ours[k] !== node[k]);
process.stdout.write(JSON.stringify({ differ, sameDefault: ours.default === node.default, names: Object.keys(node).length }));
