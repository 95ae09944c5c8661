import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Moves failure messages and stack traces into an encoded payload so the encryption codec covers
 * them too: an error about a rejected port can quote losing-carrier data. The history then shows
 * "Encoded failure" until the codec server decodes it.
 *
 * Loaded by path (`failureConverterPath`), also inside the workflow sandbox: import nothing but
 * `@temporalio/common` here.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
