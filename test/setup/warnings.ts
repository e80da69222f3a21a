/**
 * Test processes print Node's warnings as the `zonalflow` command does (bin/zonalflow.mjs): the
 * AWS SDK's notice that its 2027 releases need Node 22 is not actionable here and is dropped;
 * every other warning (a file handle closed by the garbage collector, a deprecation) is printed.
 */
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'NodeVersionSupportWarning' && !w.message.startsWith('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
});
