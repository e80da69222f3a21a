// Child process of parallel-bundle.test.ts: `node module-formats.mjs SPEC...` imports each bare specifier as an
// ES module would (from the project root) and prints, as JSON, the format Node's ES loader gave the file each
// names: { [spec]: 'commonjs' | 'module' | ... | null (not loadable here) }. Node itself is the oracle.
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { URL } from 'node:url';
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const formats = new Map();
port1.on('message', (m) => formats.set(m.url, m.format));
register(new URL('./module-format-hooks.mjs', import.meta.url).href, { data: { port: port2 }, transferList: [port2] });
const out = {};
for (const spec of process.argv.slice(2)) {
  let url = null;
  try {
    url = import.meta.resolve(spec);
    await import(spec);
  } catch {
    // not loadable in this process (a side effect or a missing optional dependency): its format stays unknown
  }
  await new Promise((resolve) => setTimeout(resolve, 20)); // the hooks thread's message
  out[spec] = url === null ? null : (formats.get(url) ?? null);
}
port1.close();
process.stdout.write(JSON.stringify(out));
