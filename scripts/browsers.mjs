// Where the browser tests find Firefox and WebKit (Chromium: scripts/chromium.mjs),
// and which Debian packages provide them. Nothing here ever downloads a browser.
import { existsSync } from 'node:fs';

/**
 * Firefox and WebKit as the tests drive them: Debian's `firefox-esr` through
 * puppeteer-core (WebDriver BiDi), and WebKitGTK's MiniBrowser through
 * `WebKitWebDriver` (classic WebDriver) on an Xvfb display.
 */
export const ENGINES = {
  firefox: {
    label: 'Firefox',
    env: 'FIREFOX_PATH',
    paths: ['/usr/bin/firefox-esr', '/usr/bin/firefox'],
    packages: ['firefox-esr'],
  },
  webkit: {
    label: 'WebKit (WebKitGTK MiniBrowser through WebKitWebDriver, on Xvfb)',
    env: 'WEBKIT_WEBDRIVER_PATH',
    paths: ['/usr/bin/WebKitWebDriver'],
    packages: ['webkit2gtk-driver', 'xvfb'],
    /** Also needed: the X server the MiniBrowser draws on (it has no headless mode). */
    xvfb: '/usr/bin/Xvfb',
  },
};

/** The binary to use for `engine` ('firefox' or 'webkit'), or undefined when it is not installed. */
export function findEngine(engine) {
  const { env, paths } = ENGINES[engine];
  const fromEnv = process.env[env];
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const found = paths.find((path) => existsSync(path));
  if (engine === 'webkit' && found && !existsSync(ENGINES.webkit.xvfb)) return undefined;
  return found;
}

/** What to do when `engine` is missing: printed by the tests and by ensure-browsers. */
export function missingEngineHelp(engine) {
  const { label, env, paths, packages } = ENGINES[engine];
  return [
    `tidemark's browser tests need ${label}, and it was not found.`,
    `Looked at: $${env}, ${paths.join(', ')}${engine === 'webkit' ? `, and ${ENGINES.webkit.xvfb}` : ''}.`,
    `Fix: on Debian run \`sudo apt-get install -y ${packages.join(' ')}\` (or \`node scripts/ensure-browsers.mjs\` as root),`,
    `or point ${env} at the binary. Nothing is downloaded by the tests.`,
  ].join('\n');
}
