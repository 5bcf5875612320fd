/**
 * The labelled evaluation set for `npm run eval:search` (and the precision integration test):
 * books the evaluation generates, known-item queries typed without diacritics (titles, authors,
 * typos), titles the library does not have, and passages with the page they are on.
 * Tuning search-precision.ts on this set must never mean special-casing a particular book.
 */

export interface GeneratedBook {
  title: string;
  authors: string[];
  category: string;
  description: string;
  pageCount: number;
  /** page number → a sentence printed on that page (the rest is filler). */
  passages: Record<number, string>;
}

export const GENERATED_BOOKS: GeneratedBook[] = [
  {
    title: 'Sổ tay nuôi cá nước ngọt',
    authors: ['Lê Văn Bình'],
    category: 'khoa-hoc',
    description: 'Hướng dẫn chọn giống, làm ao và phòng bệnh cho cá ở nông thôn.',
    pageCount: 24,
    passages: { 7: 'Muốn cá lớn nhanh thì phải thay nước ao đều đặn mỗi tuần một lần.' },
  },
  {
    title: 'Bác Hồ với thanh niên',
    authors: ['Trần Minh Đức'],
    category: 'tu-tuong-ho-chi-minh',
    description: 'Những câu chuyện về Chủ tịch Hồ Chí Minh và lớp trẻ.',
    pageCount: 30,
    passages: { 12: 'Non sông Việt Nam có trở nên tươi đẹp hay không là nhờ một phần lớn ở công học tập của các em.' },
  },
  {
    title: 'Cẩm nang sơ cứu tại nhà',
    authors: ['Phạm Thu Hà'],
    category: 'y-hoc',
    description: 'Cách xử trí bỏng, đuối nước, rắn cắn trước khi đến bệnh viện.',
    pageCount: 18,
    passages: { 5: 'Khi bị bỏng, hãy xả vết bỏng dưới vòi nước mát trong mười lăm phút.' },
  },
  {
    title: 'Bóng đá làng quê',
    authors: ['Hoàng Anh Tuấn'],
    category: 'the-thao',
    description: 'Tập truyện ngắn về những trận bóng trên cánh đồng sau mùa gặt.',
    pageCount: 16,
    passages: { 9: 'Thằng Tí sút quả bóng bay qua bờ tre làm cả xóm reo hò.' },
  },
  {
    title: 'Địa lý các tỉnh miền Trung',
    authors: ['Nguyễn Văn Lợi'],
    category: 'dia-ly',
    description: 'Sông ngòi, đèo núi, khí hậu và sản vật từ Thanh Hóa đến Bình Thuận.',
    pageCount: 40,
    passages: { 14: 'Đèo Hải Vân nằm giữa Thừa Thiên Huế và thành phố Đà Nẵng.' },
  },
  {
    title: 'Kỹ năng nói trước đám đông',
    authors: ['Vũ Thị Lan'],
    category: 'ky-nang-song',
    description: 'Cách chuẩn bị bài nói, giữ bình tĩnh và thuyết phục người nghe.',
    pageCount: 20,
    passages: { 3: 'Hít thở sâu ba lần trước khi bước lên sân khấu sẽ giúp bạn bớt run.' },
  },
  {
    title: 'Truyện cổ tích cho bé',
    authors: ['Đỗ Thị Mai'],
    category: 'thieu-nhi',
    description: 'Tấm Cám, Sọ Dừa, Thạch Sanh kể lại bằng lời giản dị.',
    pageCount: 22,
    passages: { 6: 'Cô Tấm nhặt từng hạt thóc lẫn trong thúng gạo suốt đêm.' },
  },
  {
    title: 'Những người mẹ anh hùng',
    authors: ['Lý Quốc Trung'],
    category: 'lich-su',
    description: 'Chân dung các bà mẹ Việt Nam anh hùng qua hai cuộc kháng chiến.',
    pageCount: 36,
    passages: { 20: 'Mẹ tiễn ba người con lên đường nhập ngũ trong cùng một mùa xuân.' },
  },
  {
    title: 'Chuyến đò cuối năm',
    authors: ['Mai Văn Khoa'],
    category: 'van-hoc-viet-nam',
    description: 'Truyện vừa về một bến đò nhỏ ở đồng bằng Bắc Bộ.',
    pageCount: 26,
    passages: { 4: 'Ông lão chèo đò đưa khách sang bên kia trong cơn mưa phùn tháng Chạp.' },
  },
  {
    title: 'Khoa học quanh ta',
    authors: ['Trịnh Xuân Hùng'],
    category: 'khoa-hoc',
    description: 'Giải thích những hiện tượng tự nhiên thường gặp cho học sinh.',
    pageCount: 32,
    passages: { 11: 'Cầu vồng xuất hiện khi ánh nắng chiếu qua những giọt mưa còn đọng trong không khí.' },
  },
  {
    title: 'Làng nghề gốm Bát Tràng',
    authors: ['Đặng Thị Hoa'],
    category: 'lich-su',
    description: 'Lịch sử và bí quyết của làng gốm bên bờ sông Hồng.',
    pageCount: 28,
    passages: { 8: 'Đất sét trắng được nhào kỹ rồi mới đưa lên bàn xoay để tạo dáng.' },
  },
  {
    title: 'Tin học văn phòng căn bản',
    authors: ['Phan Quốc Bảo'],
    category: 'khoa-hoc',
    description: 'Soạn thảo văn bản, bảng tính và thư điện tử cho người mới bắt đầu.',
    pageCount: 34,
    passages: { 15: 'Nhấn tổ hợp phím Ctrl và S để lưu tài liệu đang soạn.' },
  },
  {
    title: 'Mùa lúa chín trên cao nguyên',
    authors: ['Y Bôn Niê'],
    category: 'van-hoc-viet-nam',
    description: 'Tản văn về buôn làng Tây Nguyên.',
    pageCount: 19,
    passages: { 10: 'Đồi cà phê trổ hoa trắng xóa cả một vùng Buôn Ma Thuột.' },
  },
  {
    title: 'Sức khỏe tuổi già',
    authors: ['Bùi Thị Xuân'],
    category: 'y-hoc',
    description: 'Ăn uống, vận động và phòng bệnh cho người cao tuổi.',
    pageCount: 21,
    passages: { 2: 'Người cao tuổi nên đi bộ nhẹ nhàng mỗi sáng khoảng ba mươi phút.' },
  },
];

/** Everyday sentences for the pages around the planted passages: common syllables, as in real books. */
export const FILLER = [
  'Hôm ấy trời mưa to, cả nhà quây quần bên mâm cơm tối.',
  'Người dân trong làng vẫn giữ nếp sống giản dị của cha ông.',
  'Vấn đề này cần được bàn bạc kỹ trước khi quyết định.',
  'Bất kỳ ai cũng có thể học được nếu chăm chỉ mỗi ngày.',
  'Chúng ta hãy cùng nhau xây dựng quê hương giàu đẹp.',
  'Em bé ngủ ngon trong tiếng ru à ơi của bà.',
  'Mùa xuân đến, cây cối đâm chồi nảy lộc khắp nơi.',
  'Anh ấy làm việc ở thành phố nhưng vẫn nhớ về quê nhà.',
  'Thầy giáo dặn học trò phải đọc sách mỗi tối.',
  'Con đường đất đỏ dẫn lên nương rẫy quanh co.',
  'Bạn bè gặp nhau hỏi thăm sức khỏe và công việc.',
  'Nhiều gia đình đã thoát nghèo nhờ chăn nuôi và trồng trọt.',
  'Tiếng trống trường vang lên báo hiệu giờ ra chơi.',
  'Cuộc sống ngày càng đổi thay nhưng tình người vẫn thế.',
  'Đêm trăng sáng, lũ trẻ rủ nhau ra sân đình chơi.',
  'Ông nội kể chuyện ngày xưa khi còn đi kéo pháo.',
  'Mẹ ra chợ mua mớ rau, con cá về nấu canh chua.',
  'Hợp tác xã họp bàn kế hoạch cho vụ mùa tới.',
  'Đoàn thanh niên tổ chức dọn vệ sinh đường làng.',
  'Những cánh cò trắng bay về phía chân trời.',
];

export interface KnownItem {
  q: string;
  /** Titles any of which is a right answer (an author with two books lists both). */
  expect: string[];
}

/** Known-item queries over the generated books: titles, authors and typos, without diacritics. */
export const GENERATED_KNOWN: KnownItem[] = [
  ...GENERATED_BOOKS.map((b) => ({ q: fold(b.title), expect: [b.title] })),
  ...[
    ['le van binh', 0],
    ['tran minh duc', 1],
    ['pham thu ha', 2],
    ['hoang anh tuan', 3],
    ['nguyen van loi', 4],
    ['vu thi lan', 5],
    ['do thi mai', 6],
    ['ly quoc trung', 7],
    ['mai van khoa', 8],
    ['trinh xuan hung', 9],
    ['dang thi hoa', 10],
    // typos: a letter dropped, doubled, swapped or wrong (Meilisearch allows them from 4 letters)
    ['so tay nuoi ca nuoc ngto', 0],
    ['bac ho voi thanh nein', 1],
    ['cam nang so cuuu tai nha', 2],
    ['bong da lnag que', 3],
    ['dia ly cac tinh mein trung', 4],
    ['ky nang noi truoc dam dongg', 5],
    ['truyn co tich cho be', 6],
    ['nhung ngui me anh hung', 7],
    ['chuyen do cuoii nam', 8],
    ['khoa hocc quanh ta', 9],
    ['lang nghe gom bat trnag', 10],
    ['tin hoc van phonng can ban', 11],
    ['mua lua chin tren cao nguyeen', 12],
    ['suc khoee tuoi gia', 13],
  ].map(([q, i]) => ({ q: q as string, expect: [GENERATED_BOOKS[i as number].title] })),
];

/** Famous titles the library does not have: the right answer is no book (and a request). */
export const ABSENT_TITLES = [
  'de men phieu luu ky',
  'dac nhan tam',
  'nha gia kim',
  'tat den',
  'so do',
  'chi pheo',
  'toi thay hoa vang tren co xanh',
  'mat biec',
  'tuoi tho du doi',
  'dat rung phuong nam',
  'nhat ky dang thuy tram',
  'harry potter',
  'hai so phan',
  'thep da toi the day',
  'bo gia',
  'cho toi xin mot ve di tuoi tho',
  'nguoi lai do song da',
  'vo chong a phu',
  'tieng goi noi hoang da',
  'ong gia va bien ca',
  'hoang tu be',
  'truyen kieu',
];

export interface PassageQuery {
  q: string;
  book: string;
  page: number;
}

/** Passage queries for the generated books: a run of words from the planted sentence, folded. */
export const GENERATED_PASSAGES: PassageQuery[] = GENERATED_BOOKS.flatMap((b) =>
  Object.entries(b.passages).map(([page, sentence]) => ({ q: phraseOf(sentence, 2, 6), book: b.title, page: Number(page) })),
);

/** Lower case, no diacritics, đ → d, punctuation to spaces: how people type on a phone. */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** `length` consecutive words of `text` from word `from`, folded. */
export function phraseOf(text: string, from: number, length: number): string {
  return fold(text)
    .split(' ')
    .slice(from, from + length)
    .join(' ');
}

/** Deterministic pseudo-random numbers (the same books every run). */
export function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

/** The page texts of a generated book: filler sentences, with its passages on their pages. */
export function pagesOf(book: GeneratedBook, seed: number): string[] {
  const r = rng(seed);
  return Array.from({ length: book.pageCount }, (_, i) => {
    const filler = Array.from({ length: 8 }, () => FILLER[Math.floor(r() * FILLER.length)]);
    const planted = book.passages[i + 1];
    if (planted) filler.splice(4, 0, planted);
    return `Trang ${i + 1}\n${filler.join(' ')}`;
  });
}
