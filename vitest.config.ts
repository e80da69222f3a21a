import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['test/setup/warnings.ts', 'test/setup/tmpdir.ts'],
    // the handlers' JSON logs (Powertools) stay out of the test output; test/unit/pipeline/log.test.ts turns them on
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
  },
});
