/**
 * Why an uploaded file was refused. The code is stable and meant for the caller, which maps it to
 * a Vietnamese/English message; `detail` is technical (pdf.js's message) and only for logs.
 */
export type PdfRejectionCode = 'empty' | 'not_pdf' | 'corrupt' | 'password_protected' | 'too_heavy';

/** `too_heavy`: the file exceeds a ceiling of pdf-limits.ts, or its process the memory/time limit. */
export const PDF_REJECTION_CODES: readonly PdfRejectionCode[] = ['empty', 'not_pdf', 'corrupt', 'password_protected', 'too_heavy'];

export class PdfRejectedError extends Error {
  override readonly name = 'PdfRejectedError';

  constructor(
    readonly code: PdfRejectionCode,
    readonly detail: string,
  ) {
    super(`PDF rejected (${code}): ${detail}`);
  }
}

export function isPdfRejectionCode(value: unknown): value is PdfRejectionCode {
  return typeof value === 'string' && (PDF_REJECTION_CODES as readonly string[]).includes(value);
}
