/**
 * .ci/run's own logic, cheaply: the real script in a scratch project whose npm scripts (`test`,
 * `cluster:build`, `test:cluster`) stand in for the real runs — each writes the totals file the
 * summary reporter would write (or none, like a crashed run) and exits as told. It checks that both
 * runs happen, that either one failing fails CI, and that the last line adds up both runs' totals.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../../helpers/hygiene';

const root = path.resolve(__dirname, '../../..');

/** What a stand-in run does: write totals (or not) and exit with `exit`. */
interface FakeRun {
  totals?: { passed: number; failed: number; skipped: number };
  exit: number;
}

/** A node one-liner that writes test-results/<file> from $<VAR> (JSON FakeRun) and exits as it says. */
const fakeScript = (variable: string, file: string) =>
  `node -e "const r=JSON.parse(process.env.${variable});if(r.totals){require('fs').mkdirSync('test-results',{recursive:true});` +
  `require('fs').writeFileSync('test-results/${file}',JSON.stringify({...r.totals,total:r.totals.passed+r.totals.failed+r.totals.skipped,` +
  `failedSuites:r.totals.failed?1:0,runtimeErrorSuites:0}))}console.log('ran ${variable}');process.exit(r.exit)"`;

function scratchProject(): string {
  const dir = makeTempDir('portflow-ci-run-');
  mkdirSync(path.join(dir, '.ci'));
  copyFileSync(path.join(root, '.ci', 'run'), path.join(dir, '.ci', 'run'));
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'ci-run-scratch',
      version: '0.0.0',
      private: true,
      scripts: {
        test: fakeScript('FAKE_MAIN', 'summary.json'),
        'cluster:build': 'node -e "process.exit(Number(process.env.FAKE_BUILD))"',
        'test:cluster': fakeScript('FAKE_TIER', 'cluster-summary.json'),
      },
    })
  );
  return dir;
}

function ciRun(main: FakeRun, tier: FakeRun, buildExit = 0) {
  const dir = scratchProject();
  const result = spawnSync('bash', [path.join(dir, '.ci', 'run')], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      FAKE_MAIN: JSON.stringify(main),
      FAKE_TIER: JSON.stringify(tier),
      FAKE_BUILD: String(buildExit),
      // No dependencies: nothing to fetch, audit or fund.
      npm_config_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    },
  });
  const lines = result.stdout.trim().split('\n');
  return { code: result.status, last: lines.at(-1), output: result.stdout + result.stderr };
}

const pass = (passed: number, skipped = 0): FakeRun => ({ totals: { passed, failed: 0, skipped }, exit: 0 });

describe('.ci/run', () => {
  it('runs npm test, then the cluster tier, and ends with the two runs added up', () => {
    const run = ciRun(pass(3, 1), pass(2));
    expect({ code: run.code, last: run.last }).toEqual({ code: 0, last: '5 passed, 0 failed, 1 skipped' });
    expect(run.output.indexOf('ran FAKE_MAIN')).toBeLessThan(run.output.indexOf('ran FAKE_TIER'));
  });

  it('fails when the cluster tier fails, though npm test passed', () => {
    const run = ciRun(pass(3, 1), { totals: { passed: 1, failed: 1, skipped: 0 }, exit: 1 });
    expect({ code: run.code, last: run.last }).toEqual({ code: 1, last: '4 passed, 1 failed, 1 skipped' });
  });

  it('fails when the cluster tier ends without totals (its global setup failed)', () => {
    const run = ciRun(pass(3), { exit: 1 });
    expect({ code: run.code, last: run.last }).toEqual({ code: 1, last: '3 passed, 0 failed' });
  });

  it('fails when npm test fails, and still runs the tier', () => {
    const run = ciRun({ totals: { passed: 2, failed: 1, skipped: 0 }, exit: 1 }, pass(2));
    expect({ code: run.code, last: run.last }).toEqual({ code: 1, last: '4 passed, 1 failed' });
    expect(run.output).toContain('ran FAKE_TIER');
  });

  it('says so when the background build failed, and fails on a run that exits non-zero whatever its totals say', () => {
    // The tier builds again itself: its own exit decides (here non-zero, with totals that show no failure).
    const run = ciRun(pass(3), { ...pass(2), exit: 1 }, 3);
    expect(run.output).toContain('the background Temporal server build failed (exit 3)');
    expect({ code: run.code, last: run.last }).toEqual({ code: 1, last: '5 passed, 0 failed' });
  });
});
