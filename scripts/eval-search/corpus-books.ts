import type { KnownItem } from './dataset.ts';

/**
 * The Vietnamese books of the shared corpus (../shared/corpus/SOURCES.md), with the titles and
 * authors SOURCES.md gives, and known-item queries for them typed without diacritics.
 * The PDFs are read from the corpus folder at run time and never copied into the repository.
 */
export interface CorpusBook {
  file: string;
  title: string;
  authors: string[];
  category: string;
}

export const CORPUS_BOOKS: CorpusBook[] = [
  { file: 'vi/_trang-quynh.pdf', title: 'Trạng Quỳnh', authors: ['Khuyết danh'], category: 'van-hoc-viet-nam' },
  { file: 'vi/_binh-phap-ton-tu.pdf', title: 'Binh pháp Tôn Tử', authors: ['Tôn Tử'], category: 'lich-su' },
  { file: 'vi/100-mau-chuyen-co-dong-tay.pdf', title: '100 mẩu chuyện cổ Đông Tây', authors: ['Nguyễn Lân'], category: 'thieu-nhi' },
  { file: 'vi/_chuyen-cuoi-co-nhan.pdf', title: 'Chuyện cười cổ nhân', authors: ['Vương Hồng Sển'], category: 'van-hoc-viet-nam' },
  {
    file: 'vi/_viet-nam-mot-thien-lich-su.pdf',
    title: 'Việt Nam – một thiên lịch sử',
    authors: ['Nguyễn Khắc Viện'],
    category: 'lich-su',
  },
  { file: 'vi/_viet-su-toan-thu.pdf', title: 'Việt sử toàn thư', authors: ['Phạm Văn Sơn'], category: 'lich-su' },
  { file: 'vi/_yoga-duong-sinh.pdf', title: 'Yoga dưỡng sinh', authors: [], category: 'the-thao' },
  { file: 'vi/108-truyen-ngu-ngon-hay-nhat.pdf', title: '108 truyện ngụ ngôn hay nhất', authors: [], category: 'thieu-nhi' },
  { file: 'vi/_danh-cap-y-tuong.pdf', title: 'Đánh cắp ý tưởng', authors: ['Steve Cone'], category: 'ky-nang-song' },
  { file: 'vi/_jose-mourinho-tu-truyen.pdf', title: 'Jose Mourinho tự truyện', authors: ['José Mourinho'], category: 'the-thao' },
  {
    file: 'vi/thuc-don-dinh-duong-cho-be-tu-1-den-3-tuoi.pdf',
    title: 'Thực đơn dinh dưỡng cho bé từ 1 đến 3 tuổi',
    authors: [],
    category: 'y-hoc',
  },
  { file: 'vi/lr_ex.pdf', title: 'Hồi quy tuyến tính – hình minh họa', authors: ['Vũ Hữu Tiệp'], category: 'khoa-hoc' },
  { file: 'vi/pca_procedure.pdf', title: 'Quy trình PCA – hình minh họa', authors: ['Vũ Hữu Tiệp'], category: 'khoa-hoc' },
];

const t = (file: string) => CORPUS_BOOKS.find((b) => b.file.endsWith(file))!.title;

export const CORPUS_KNOWN: KnownItem[] = [
  { q: 'trang quynh', expect: [t('_trang-quynh.pdf')] },
  { q: 'trang quyng', expect: [t('_trang-quynh.pdf')] },
  { q: 'binh phap ton tu', expect: [t('_binh-phap-ton-tu.pdf')] },
  { q: 'binh phapp ton tu', expect: [t('_binh-phap-ton-tu.pdf')] },
  { q: '100 mau chuyen co dong tay', expect: [t('100-mau-chuyen-co-dong-tay.pdf')] },
  { q: 'mau chuyen co dong tay', expect: [t('100-mau-chuyen-co-dong-tay.pdf')] },
  { q: 'nguyen lan', expect: [t('100-mau-chuyen-co-dong-tay.pdf')] },
  { q: 'chuyen cuoi co nhan', expect: [t('_chuyen-cuoi-co-nhan.pdf')] },
  { q: 'chuyen cuoi co nhaan', expect: [t('_chuyen-cuoi-co-nhan.pdf')] },
  { q: 'vuong hong sen', expect: [t('_chuyen-cuoi-co-nhan.pdf')] },
  { q: 'viet nam mot thien lich su', expect: [t('_viet-nam-mot-thien-lich-su.pdf')] },
  { q: 'viet nam mot thein lich su', expect: [t('_viet-nam-mot-thien-lich-su.pdf')] },
  { q: 'nguyen khac vien', expect: [t('_viet-nam-mot-thien-lich-su.pdf')] },
  { q: 'viet su toan thu', expect: [t('_viet-su-toan-thu.pdf')] },
  { q: 'pham van son', expect: [t('_viet-su-toan-thu.pdf')] },
  { q: 'yoga duong sinh', expect: [t('_yoga-duong-sinh.pdf')] },
  { q: 'yoga duong sihn', expect: [t('_yoga-duong-sinh.pdf')] },
  { q: '108 truyen ngu ngon hay nhat', expect: [t('108-truyen-ngu-ngon-hay-nhat.pdf')] },
  { q: 'truyen ngu ngon', expect: [t('108-truyen-ngu-ngon-hay-nhat.pdf')] },
  { q: 'danh cap y tuong', expect: [t('_danh-cap-y-tuong.pdf')] },
  { q: 'danh cap y tuogn', expect: [t('_danh-cap-y-tuong.pdf')] },
  { q: 'steve cone', expect: [t('_danh-cap-y-tuong.pdf')] },
  { q: 'jose mourinho tu truyen', expect: [t('_jose-mourinho-tu-truyen.pdf')] },
  { q: 'mourinho', expect: [t('_jose-mourinho-tu-truyen.pdf')] },
  { q: 'jose mourino tu truyen', expect: [t('_jose-mourinho-tu-truyen.pdf')] },
  { q: 'thuc don dinh duong cho be', expect: [t('thuc-don-dinh-duong-cho-be-tu-1-den-3-tuoi.pdf')] },
  { q: 'thuc don dinh duogn cho be', expect: [t('thuc-don-dinh-duong-cho-be-tu-1-den-3-tuoi.pdf')] },
  { q: 'vu huu tiep', expect: [t('lr_ex.pdf'), t('pca_procedure.pdf')] },
];
