#!/usr/bin/env node
// The `zonalflow` command: TypeScript sources run through tsx's loader.
import { spawnSync } from 'node:child_process';
import { register } from 'tsx/esm/api';

// The S3 stand-in (s3rver) encrypts list continuation tokens with DES, which OpenSSL 3 only has in its legacy provider:
// commands that start the stand-ins re-run themselves with it.
const needsLegacy = ['local', 'invoke'].includes(process.argv[2] ?? '');
if (needsLegacy && !process.execArgv.includes('--openssl-legacy-provider') && !process.env.ZONALFLOW_CHILD) {
  const r = spawnSync(process.execPath, ['--openssl-legacy-provider', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, ZONALFLOW_CHILD: '1' } });
  process.exit(r.status ?? 1);
}
// the AWS SDK warns that its 2027 releases will need Node 22: not actionable for a user of this command
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'NodeVersionSupportWarning' && !w.message.startsWith('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
});
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
