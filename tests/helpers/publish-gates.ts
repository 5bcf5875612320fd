import { openPublishGate, type PublishGate } from '../../src/features/catalogue/books/publish-gate.ts';

/**
 * Publishing rules for tests of features other than consent (consent tests its own rules): handed to
 * createTestEnv({ publishGate }) so the context is built with them, never patched afterwards.
 */
export { openPublishGate };

/** Everything may be published; downloads are allowed except for the books `noDownload` names. */
export function gateAllowing(opts: { noDownload?: (bookId: number) => boolean } = {}): PublishGate {
  return { check: async (id) => ({ allowed: true, problems: [], allowDownload: !opts.noDownload?.(id) }), describe: () => [] };
}

/** A gate a test can switch for a while (`use(other)` … `reset()`), built into the context once. */
export function switchableGate(initial: PublishGate = openPublishGate): PublishGate & { use(gate: PublishGate): void; reset(): void } {
  let current = initial;
  return {
    check: (id) => current.check(id),
    describe: (problems, lang) => current.describe(problems, lang),
    use: (gate) => void (current = gate),
    reset: () => void (current = initial),
  };
}
