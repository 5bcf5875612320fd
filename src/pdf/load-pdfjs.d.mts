// Types for load-pdfjs.mjs (plain JavaScript, see there).
export interface WorkerPatch {
  name: string;
  find: string;
  replace: string;
}
export declare const WORKER_PATCHES: readonly WorkerPatch[];
export declare function patchWorkerSource(stockSource: string): { source: string; reason: null } | { source: null; reason: string };
export declare function loadPdfjsModules(options?: { patched?: boolean }): Promise<typeof import('pdfjs-dist/legacy/build/pdf.mjs')>;
export declare function pdfjsWorkerVariant(): 'patched' | 'stock' | null;
export declare function removeStaleCopies(now?: number): Promise<void>;
