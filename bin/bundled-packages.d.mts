// Types of bundled-packages.mjs.
/** Package names bin/build.mjs compiles into the CLI's bundle. */
export declare const BUNDLED_PACKAGES: ReadonlySet<string>;
