import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Tesseract from 'tesseract.js';

/**
 * Text recognition with tesseract.js and the Vietnamese (+ English) LSTM models installed from npm
 * (@tesseract.js-data/vie, …/eng). Nothing is fetched at run time: tesseract.js would download
 * language data from a CDN when no path is given, so every path is set to an installed file.
 *  - In Node, tesseract.js runs each recogniser in its own worker thread (worker_threads), so
 *    recognition never blocks the server's event loop; the main thread only passes the image and
 *    receives the result. workerPath is tesseract-worker.mjs, which lowers that thread's CPU
 *    priority and then loads tesseract.js's installed Node worker script.
 *  - Its Node build loads the WebAssembly core by `require('tesseract.js-core/…')`; corePath is
 *    set to the installed folder as well, for clarity and for builds that honour it.
 *  - tesseract.js reads every language from one langPath, but the two installed models live in
 *    two packages; so langPath is a small folder of symbolic links to the installed files
 *    (made once, atomically). Handing the models over as data is broken in tesseract.js 7 (its
 *    initialise step joins the data instead of the language codes). cachePath is a temp folder
 *    and caching is off: no copies of the models pile up, and a stale copy can never be used.
 */

const require = createRequire(import.meta.url);
const MODEL = '4.0.0_best_int'; // LSTM "best" integer models: the accurate ones tesseract.js uses by default
const dataDir = (lang: string) => path.join(path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`)), MODEL);

const LANGS = ['vie', 'eng'] as const;
const ROOT = path.join(os.tmpdir(), 'thu-vien-so-tesseract');

export const TESSERACT_PATHS = {
  // Our one-line wrapper around tesseract.js's installed Node worker script: it lowers the thread's priority first.
  workerPath: fileURLToPath(new URL('./tesseract-worker.mjs', import.meta.url)),
  corePath: path.dirname(require.resolve('tesseract.js-core/package.json')),
  langPath: path.join(ROOT, `lang-${MODEL}`),
  cachePath: path.join(ROOT, 'cache'),
} as const;

/** The langPath folder: links named <lang>.traineddata.gz to the files installed by npm. */
async function prepareLangPath(): Promise<void> {
  const wanted = LANGS.map((lang) => [`${lang}.traineddata.gz`, path.join(dataDir(lang), `${lang}.traineddata.gz`)] as const);
  const ok = await Promise.all(
    wanted.map(([name, target]) =>
      fs.realpath(path.join(TESSERACT_PATHS.langPath, name)).then(
        (p) => p === target,
        () => false,
      ),
    ),
  );
  await fs.mkdir(TESSERACT_PATHS.cachePath, { recursive: true });
  if (ok.every(Boolean)) return;
  for (const [, target] of wanted) await fs.access(target); // a clear error if a model package is missing
  const tmp = await fs.mkdtemp(path.join(ROOT, 'lang-tmp-'));
  for (const [name, target] of wanted) await fs.symlink(target, path.join(tmp, name));
  await fs.rm(TESSERACT_PATHS.langPath, { recursive: true, force: true });
  await fs.rename(tmp, TESSERACT_PATHS.langPath).catch(async (err: unknown) => {
    await fs.rm(tmp, { recursive: true, force: true }); // another process won the race: its folder is as good
    if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  });
}

export interface OcrResult {
  text: string;
  /** tesseract's mean word confidence, 0–100. */
  confidence: number;
}

export interface OcrEngine {
  /** Recognises one page image (PNG/JPEG bytes). Concurrent calls queue for the engine's workers. */
  recognize(image: Uint8Array): Promise<OcrResult>;
  close(): Promise<void>;
}

/** `size` recognisers (worker threads), started on first use and shared by every caller. */
export function createTesseractOcr(size: number): OcrEngine {
  let scheduler: Promise<Tesseract.Scheduler> | null = null;
  const start = async () => {
    await fs.mkdir(ROOT, { recursive: true });
    await prepareLangPath();
    const s = Tesseract.createScheduler();
    const workers = await Promise.all(
      Array.from({ length: Math.max(1, size) }, () =>
        Tesseract.createWorker([...LANGS], Tesseract.OEM.LSTM_ONLY, { ...TESSERACT_PATHS, cacheMethod: 'none', gzip: true }),
      ),
    );
    for (const w of workers) s.addWorker(w);
    return s;
  };
  return {
    async recognize(image) {
      scheduler ??= start().catch((err: unknown) => {
        scheduler = null;
        throw err;
      });
      const result = await (await scheduler).addJob('recognize', Buffer.from(image));
      return { text: result.data.text, confidence: result.data.confidence };
    },
    async close() {
      const s = scheduler;
      scheduler = null;
      if (s) await (await s.catch(() => null))?.terminate();
    },
  };
}
