/** A logger for `bundleWorkflowCode` in the benches: only the bundler's errors reach the output. */
export const quietBundler = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (m: string) => console.error(m),
};
