/**
 * Real text for `npm run bench:search`: the Vietnamese books of the shared PDF corpus, imported the
 * way a library imports them (folder + manifest with their real titles, pdf.js extraction, publish,
 * search outbox), and passage queries cut from their pages. Without the corpus: generated prose
 * whose words follow a Zipf law over a Vietnamese vocabulary (function words common, names rare),
 * which is what makes real queries cheap or expensive for Meilisearch — uniform random words are not.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { AppContext } from '../src/context.ts';
import { folderSource } from '../src/features/catalogue/ingest/import-sources.ts';
import { ImportService } from '../src/features/catalogue/ingest/import.service.ts';
import { corpusUnavailableReason, readCorpus } from '../tests/helpers/corpus.ts';

/** Real titles of the corpus' Vietnamese books (SOURCES.md describes each); others keep the PDF's own title. */
const TITLES: Record<string, [title: string, authors: string]> = {
  '_trang-quynh.pdf': ['Trạng Quỳnh', 'Khuyết danh'],
  '_binh-phap-ton-tu.pdf': ['Binh pháp Tôn Tử', 'Tôn Vũ'],
  '100-mau-chuyen-co-dong-tay.pdf': ['100 mẩu chuyện cổ Đông Tây', 'Nguyễn Lân'],
  '_chuyen-cuoi-co-nhan.pdf': ['Chuyện cười cổ nhân', 'Vương Hồng Sển'],
  '_viet-nam-mot-thien-lich-su.pdf': ['Việt Nam — một thiên lịch sử', 'Nguyễn Khắc Viện'],
  '_viet-su-toan-thu.pdf': ['Việt sử toàn thư', ''],
  '_yoga-duong-sinh.pdf': ['Yoga dưỡng sinh', ''],
  '108-truyen-ngu-ngon-hay-nhat.pdf': ['108 truyện ngụ ngôn hay nhất', ''],
  '_danh-cap-y-tuong.pdf': ['Đánh cắp ý tưởng', ''],
  '_jose-mourinho-tu-truyen.pdf': ['José Mourinho tự truyện', 'José Mourinho'],
  'thuc-don-dinh-duong-cho-be-tu-1-den-3-tuoi.pdf': ['Thực đơn dinh dưỡng cho bé từ 1 đến 3 tuổi', ''],
};

const VIETNAMESE = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/i;
/** What a reader types on a phone without a Vietnamese keyboard. */
export const withoutDiacritics = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');

function rng(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

/**
 * 48 queries like a reader's: 2–4 consecutive words from a page of real text, half typed without
 * diacritics, a few with a typo, spread evenly over the books and pages (fixed seed: same queries each run).
 */
export function passageQueries(pages: Array<{ bookId: number; text: string }>, count = 48): string[] {
  const r = rng(12);
  const usable = pages
    .map((p) => ({ ...p, words: p.text.split(/\s+/).filter((w) => /^\p{L}{2,}$/u.test(w)) }))
    .filter((p) => p.words.length >= 40 && p.words.filter((w) => VIETNAMESE.test(w)).length >= p.words.length / 4);
  const out: string[] = [];
  for (let i = 0; i < count && usable.length; i++) {
    const page = usable[Math.floor((i / count) * usable.length + r() * (usable.length / count)) % usable.length];
    const n = 2 + Math.floor(r() * 3);
    const start = Math.floor(r() * (page.words.length - n));
    let q = page.words
      .slice(start, start + n)
      .join(' ')
      .toLocaleLowerCase('vi');
    if (i % 2) q = withoutDiacritics(q);
    if (i % 8 === 3 && q.length > 6) q = q.slice(0, 3) + q.slice(4); // a dropped letter
    out.push(q);
  }
  return out;
}

/** Imports and publishes the corpus' Vietnamese books; null (with the reason printed) when the corpus is absent. */
export async function importCorpus(ctx: AppContext): Promise<{ books: number; pages: number } | null> {
  const reason = corpusUnavailableReason();
  if (reason) {
    console.log(`[bench:search] real text: ${reason}; using generated prose instead`);
    return null;
  }
  const vi = readCorpus().filter((e) => e.path.includes(`${path.sep}vi${path.sep}`) && e.outcome === 'ok');
  if (vi.length === 0) return null;
  const importer = new ImportService(ctx);
  const rows = vi.filter((e) => TITLES[e.file]).map((e) => [e.file, ...TITLES[e.file]].map((c) => `"${c}"`).join(','));
  const manifest = await importer.prepareManifest(
    (await ctx.services.libraries.defaultLibrary()).id,
    ['file,title,authors', ...rows].join('\n'),
  );
  const outcomes = await importer.importSource(folderSource(path.dirname(vi[0].path)), {
    manifest,
    libraryId: (await ctx.services.libraries.defaultLibrary()).id,
    actor: null,
  });
  const ids = outcomes.filter((o) => o.kind === 'created' && o.bookId).map((o) => o.bookId!);
  await importer.waitForIngest(ids, { pollMs: 100 });
  const { published } = await importer.publishAll(ids, null);
  if (!(await importer.waitForIndex(published, { timeoutMs: 600_000 }))) throw new Error('search indexing did not finish');
  const states = await ctx.repos.books.ingestStates(published);
  return { books: published.length, pages: states.reduce((n, s) => n + s.ingest_progress, 0) };
}

// Rank ≈ frequency order; Zipf sampling makes the first words very common, as in real prose.
const VOCABULARY = (
  'và của là có không người những một các được trong cho đã này với như thì khi ra lại đến đi làm nói ông anh tôi ' +
  'mà cũng còn phải về nhà đó vào nào rằng sẽ bị từ theo năm ngày nước chúng ta họ mình để trên dưới sau trước ' +
  'vua quan dân làng trạng quỳnh bà cụ con cháu vợ chồng thầy trò lính giặc đất trời sông núi biển rừng đồng ruộng ' +
  'lúa gạo cơm trâu bò ngựa chó mèo chim cá cây hoa lá quả thuyền đường chợ phố kinh thành triều đình lịch sử ' +
  'chiến tranh hòa bình độc lập tự do hạnh phúc cách mạng nhân dân đoàn thanh niên học sinh sinh viên trường lớp ' +
  'sách báo chữ viết đọc hiểu biết nghĩ thấy nghe hỏi trả lời cười khóc buồn vui yêu thương giận sợ mừng ' +
  'tiền bạc vàng quý giàu nghèo khôn ngoan dại khờ thật thà gian dối tốt xấu đẹp lớn nhỏ cao thấp xa gần ' +
  'đông tây nam bắc xuân hạ thu đông sáng trưa chiều tối đêm mưa nắng gió bão lũ lụt hạn hán mùa màng ' +
  'hà nội huế sài gòn thăng long đại việt lê lợi trần hưng đạo nguyễn trãi quang trung hai bà trưng ngô quyền ' +
  'sức khỏe bệnh thuốc ăn uống ngủ nghỉ tập luyện thở yoga dinh dưỡng trẻ em bé mẹ cha ông bà anh chị em'
).split(' ');

/** A seeded generator of Vietnamese-looking prose with a realistic word-frequency curve. */
export function proseGenerator(seed: number): (words: number) => string {
  const r = rng(seed);
  const weights = VOCABULARY.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  weights.reduce((acc, w, i) => ((cumulative[i] = (acc + w) / total), acc + w), 0);
  const word = () => {
    const x = r();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return VOCABULARY[lo];
  };
  return (n) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(i % 12 === 0 && out.length ? `${word()}.` : word());
    return out.join(' ');
  };
}

export const stableHash = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
