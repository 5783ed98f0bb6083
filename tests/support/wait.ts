// Polling for tests that wait on something the system does in its own time.

/** Polls `condition` until it holds; fails after `timeoutMs` saying so. */
export async function waitUntil(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
