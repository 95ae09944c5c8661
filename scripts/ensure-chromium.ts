/**
 * Makes sure Debian's Chromium is installed for the Temporal UI browser test: `apt-get install -y
 * chromium` when /usr/bin/chromium is missing (as root, or through sudo). Playwright's own browser
 * download is never used: the project only reaches package registries.
 *
 * Run from `npm test` (pretest): in CI (CI=true) or with PORTFLOW_INSTALL_CHROMIUM=1 it installs;
 * elsewhere it only says how, and the browser test skips loudly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const CHROMIUM = process.env.PORTFLOW_CHROMIUM_PATH || '/usr/bin/chromium';
const root = path.resolve(__dirname, '..');

export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, env });
  if (result.error) {
    console.error(`Could not run ${command}: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

export function ensureChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    console.error(
      `Chromium is not at ${CHROMIUM} and this is not a Debian/Ubuntu machine: install Chromium yourself and set PORTFLOW_CHROMIUM_PATH to its executable.`
    );
    return false;
  }
  const asRoot = process.getuid?.() === 0;
  console.log(`Chromium is not installed; installing Debian's package (${asRoot ? 'as root' : 'with sudo'})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => (asRoot ? run('apt-get', args, env) : run('sudo', ['apt-get', ...args], env));
  if (apt(['update', '-qq']) !== 0 || apt(['install', '-y', '-qq', 'chromium']) !== 0) {
    console.error('apt-get could not install chromium; install it yourself (apt-get install -y chromium).');
    return false;
  }
  return existsSync(CHROMIUM);
}

if (require.main === module) {
  if (existsSync(CHROMIUM)) {
    console.log(`portflow: chromium → ${CHROMIUM}`);
  } else if (process.env.CI === 'true' || process.env.PORTFLOW_INSTALL_CHROMIUM === '1') {
    // A failed install is not fatal here: the browser test then skips and says why.
    ensureChromium();
  } else {
    console.log(
      `portflow: no Chromium at ${CHROMIUM}; the Temporal UI browser test will skip. ` +
        'Install it with `apt-get install -y chromium`, or run `npm run test:browser`.'
    );
  }
}
