/**
 * Preparation of a utility-bill upload: where the bytes come from, their MIME type, and the checks
 * the Documents API would otherwise fail late on (10 MB limit, empty file, not an image or PDF).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { RequestValidationError, type ValidationProblem } from './errors';
import type { MultipartBody } from './http';
import { UTILITY_BILL, documentFields } from './schemas/document';

/** The Documents API's size limit. */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

/** MIME types by extension: the Documents API takes an image or a PDF. */
export const DOCUMENT_MIME_TYPES: Readonly<Record<string, string>> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.bmp': 'image/bmp',
  '.webp': 'image/webp',
  '.heic': 'image/heic',
};

const allowedMimeTypes = new Set(Object.values(DOCUMENT_MIME_TYPES));

/** What `uploadUtilityBill` takes: exactly one of `file` and `path`. */
export interface UploadUtilityBillInput {
  /** The bill's bytes. */
  file?: Buffer | Uint8Array;
  /** A path to read the bill from; its extension gives the MIME type unless `mimeType` is set. */
  path?: string;
  /** Shown in the Twilio Console. */
  friendlyName: string;
  /** e.g. `application/pdf`; inferred from `path`'s extension or the bytes' signature when absent. */
  mimeType?: string;
  /** File name sent in the multipart part; defaults to `path`'s base name or `utility-bill.<ext>`. */
  filename?: string;
}

/** Recognizes PDF, PNG, JPEG, GIF and TIFF by their first bytes. */
export function sniffMimeType(bytes: Uint8Array): string | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x25, 0x50, 0x44, 0x46)) return 'application/pdf'; // %PDF
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif'; // GIF8
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'image/tiff';
  return null;
}

const extensionOf = (mime: string) =>
  Object.entries(DOCUMENT_MIME_TYPES)
    .find(([, m]) => m === mime)?.[0]
    .slice(1) ?? 'bin';

/**
 * Checks the input, reads the file if given by path, and returns the multipart body. Every problem
 * is reported at once as a {@link RequestValidationError}.
 */
export async function prepareUtilityBillUpload(input: UploadUtilityBillInput): Promise<MultipartBody> {
  const problems: ValidationProblem[] = [];
  const add = (path: string, rule: string, message: string, value?: unknown) =>
    problems.push(value === undefined ? { path, rule, message } : { path, rule, message, value });
  const fail = () => new RequestValidationError('Invalid utility bill upload', problems);

  if (typeof input?.friendlyName !== 'string' || input.friendlyName.trim() === '') {
    add('friendlyName', 'required', 'a non-empty name for the document is required', input?.friendlyName);
  }
  const hasFile = input?.file !== undefined && input.file !== null;
  const hasPath = input?.path !== undefined && input.path !== null;
  if (hasFile === hasPath) {
    add(
      'file',
      'file-or-path',
      hasFile ? 'give either file or path, not both' : 'either file (bytes) or path is required'
    );
  }
  if (hasFile && !(input.file instanceof Uint8Array)) add('file', 'type', 'expected a Buffer or Uint8Array');
  if (hasPath && (typeof input.path !== 'string' || input.path === ''))
    add('path', 'type', 'expected a file path', input.path);

  let mimeType = input?.mimeType;
  if (mimeType !== undefined && !allowedMimeTypes.has(mimeType)) {
    add('mimeType', 'mime-type', `expected an image or a PDF: one of ${[...allowedMimeTypes].join(', ')}`, mimeType);
  }
  if (hasPath && typeof input.path === 'string' && mimeType === undefined) {
    const ext = extname(input.path).toLowerCase();
    mimeType = DOCUMENT_MIME_TYPES[ext];
    if (!mimeType) {
      add(
        'path',
        'extension',
        `cannot tell the MIME type from "${ext || '(no extension)'}": use one of ${Object.keys(DOCUMENT_MIME_TYPES).join(', ')} or set mimeType`,
        input.path
      );
    }
  }
  if (problems.length > 0) throw fail();

  let bytes: Uint8Array;
  if (hasPath) {
    const path = input.path as string;
    let size: number;
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new Error('not a regular file');
      size = info.size;
    } catch (err) {
      add('path', 'readable', `cannot read the file: ${(err as Error).message}`, path);
      throw fail();
    }
    // Checked before reading so a huge file is never loaded into memory.
    if (size > MAX_DOCUMENT_BYTES) {
      add(
        'path',
        'max-size',
        `the file has ${size} bytes; the Documents API takes at most ${MAX_DOCUMENT_BYTES} (10 MB)`,
        path
      );
      throw fail();
    }
    bytes = await readFile(path);
  } else {
    bytes = input.file as Uint8Array;
  }

  const at = hasPath ? 'path' : 'file';
  if (bytes.byteLength === 0) add(at, 'empty', 'the file is empty');
  if (bytes.byteLength > MAX_DOCUMENT_BYTES) {
    add(
      at,
      'max-size',
      `the file has ${bytes.byteLength} bytes; the Documents API takes at most ${MAX_DOCUMENT_BYTES} (10 MB)`
    );
  }
  if (mimeType === undefined) {
    mimeType = sniffMimeType(bytes) ?? undefined;
    if (mimeType === undefined && bytes.byteLength > 0) {
      add('mimeType', 'required', 'cannot recognize the file as a PDF or an image: set mimeType');
    }
  }
  if (problems.length > 0) throw fail();

  const type = mimeType as string;
  const filename = input.filename ?? (hasPath ? basename(input.path as string) : `utility-bill.${extensionOf(type)}`);
  return {
    fields: { [documentFields.documentType]: UTILITY_BILL, [documentFields.friendlyName]: input.friendlyName },
    file: { field: documentFields.file, filename, mimeType: type, bytes },
  };
}
