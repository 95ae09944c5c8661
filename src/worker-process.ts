/**
 * How the worker's process is started: the Node flags and the allocator settings it runs with in
 * the image (Dockerfile, docker-compose.yml), the benches and the packed-package test. They bound
 * memory, not behaviour; the figures behind each are in docs/scale.md ("Process settings").
 *
 * They cannot be set from inside the process: V8 sizes its heaps when each isolate starts, and glibc
 * reads its tunables when the process starts. `--heap-growing-percent` is not allowed in
 * NODE_OPTIONS, so it is on the command line.
 */

/**
 * V8's heap controller otherwise lets an old generation grow to up to four times what survived the
 * last full collection before collecting again (with 24 GB of RAM its limit is 4 GB), and each young
 * generation to 3 × 16 MB. The worker has two isolates (the main thread and the SDK's workflow
 * thread) whose live data is about 50 MB each: under load most of their heaps was garbage.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--heap-growing-percent=15', '--max-semi-space-size=2'];

/**
 * glibc malloc for the Rust core's and Node's threads: two arenas instead of eight per core, and
 * large blocks (≥ 128 KB: history pages, activations) in mappings of their own that go back to the
 * system when freed. Setting the mmap threshold turns off glibc's dynamic threshold, which would
 * otherwise climb to the largest block ever freed and keep such blocks in the arenas.
 */
export const WORKER_PROCESS_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '1048576',
};

/** The worker's command line as the image runs it: `node <flags> lib/worker.js`. */
export const WORKER_COMMAND: readonly string[] = ['node', ...WORKER_NODE_FLAGS, 'lib/worker.js'];
