/**
 * Runs the Temporal UI browser test (test/integration/browser/ui.test.ts) after making sure
 * Debian's Chromium is installed: `apt-get install -y chromium` when /usr/bin/chromium is missing
 * (as root, or through sudo). Playwright's own browser download is never used: the project only
 * reaches package registries. `--update-screenshots` also writes docs/screenshots/*.png.
 *
 *   npx tsx scripts/test-browser.ts [--update-screenshots]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const CHROMIUM = process.env.PORTFLOW_CHROMIUM_PATH || '/usr/bin/chromium';
const root = path.resolve(__dirname, '..');

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, env });
  if (result.error) {
    console.error(`Could not run ${command}: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

function ensureChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    console.error(
      `Chromium is not at ${CHROMIUM} and this is not a Debian/Ubuntu machine: install Chromium yourself and set PORTFLOW_CHROMIUM_PATH to its executable.`
    );
    return false;
  }
  const asRoot = process.getuid?.() === 0;
  const prefix = asRoot ? [] : ['sudo'];
  console.log(`Chromium is not installed; installing Debian's package (${asRoot ? 'as root' : 'with sudo'})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => (asRoot ? run('apt-get', args, env) : run(prefix[0]!, ['apt-get', ...args], env));
  if (apt(['update', '-qq']) !== 0 || apt(['install', '-y', '-qq', 'chromium']) !== 0) {
    console.error('apt-get could not install chromium; install it yourself (apt-get install -y chromium).');
    return false;
  }
  return existsSync(CHROMIUM);
}

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
