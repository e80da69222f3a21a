/**
 * The project's root directory (the nearest ancestor holding package.json),
 * found from a module's own directory: the same answer whether the module runs
 * from its TypeScript source (infra/, shared/local/) or bundled into dist/chunks/.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The nearest directory at or above `from` that holds package.json. */
export function projectRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json at or above ${from}`);
    dir = up;
  }
}
