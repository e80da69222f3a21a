// The newest modification time among the CLI's TypeScript sources (cli/, shared/, infra/, lambdas/, package.json):
// dist/ is used only when it was built from sources at least this new.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Milliseconds since the epoch of the newest `.ts`/`.json` file under cli/, shared/, infra/ and lambdas/, or package.json. */
export function newestSourceMtime(root) {
  let newest = statSync(join(root, 'package.json')).mtimeMs;
  for (const dir of ['cli', 'shared', 'infra', 'lambdas']) {
    for (const e of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || !(e.name.endsWith('.ts') || e.name.endsWith('.json'))) continue;
      const t = statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs;
      if (t > newest) newest = t;
    }
  }
  return newest;
}
