// The browser tests use the same Chromium, launched the same way, as the console's speed scripts.
export { CHROMIUM, launchChromium } from '../../scripts/chromium.mjs';
