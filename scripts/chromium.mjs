// Debian's Chromium driven by playwright-core: browsers cannot be downloaded here, so the browser tests and the
// console's speed scripts use the system's (scripts/ensure-chromium.sh installs it; `make test` runs that first).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Starts headless Chromium quietly: no sandbox (root in a VM), no GPU, no background traffic or updates. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
