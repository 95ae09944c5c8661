/**
 * Runs the Temporal UI browser test (test/integration/browser/ui.test.ts) after making sure
 * Debian's Chromium is installed: `apt-get install -y chromium` when /usr/bin/chromium is missing
 * (as root, or through sudo). Playwright's own browser download is never used: the project only
 * reaches package registries. `--update-screenshots` also writes docs/screenshots/*.png.
 *
 *   npx tsx scripts/test-browser.ts [--update-screenshots]
 */
import path from 'node:path';
import { ensureChromium, run } from './ensure-chromium';

const root = path.resolve(__dirname, '..');

function main(): number {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--update-screenshots');
  if (unknown.length > 0) {
    console.error(
      `Unknown argument(s): ${unknown.join(' ')}. Usage: npx tsx scripts/test-browser.ts [--update-screenshots]`
    );
    return 2;
  }
  if (!ensureChromium()) return 1;
  const env = {
    ...process.env,
    ...(args.includes('--update-screenshots') ? { PORTFLOW_UPDATE_SCREENSHOTS: '1' } : {}),
  };
  const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  return run(process.execPath, [jest, 'test/integration/browser/'], env);
}

process.exit(main());
