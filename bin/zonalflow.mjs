#!/usr/bin/env node
// The `zonalflow` command: TypeScript sources run through tsx's loader.
import { register } from 'tsx/esm/api';

// the AWS SDK warns that its 2027 releases will need Node 22: not actionable for a user of this command
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'NodeVersionSupportWarning' && !w.message.startsWith('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
});
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
