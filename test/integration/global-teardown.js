export default async function globalTeardown() {
  const testbed = globalThis.__KT_TESTBED__;
  if (testbed) await testbed.stop();
}
