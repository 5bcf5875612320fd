import { describe, expect, it } from 'vitest';
import {
  cleanMetadataValue,
  foldDiacritics,
  languageCode,
  normaliseIsbn,
  slugify,
  splitAuthors,
  splitList,
  titleFromFileName,
} from '../../../src/features/catalogue/catalogue-text.ts';

describe('catalogue text helpers', () => {
  it('folds Vietnamese diacritics including đ/Đ', () => {
    expect(foldDiacritics('Đại Việt sử ký toàn thư')).toBe('Dai Viet su ky toan thu');
    expect(foldDiacritics('Dế Mèn phiêu lưu ký'.normalize('NFD'))).toBe('De Men phieu luu ky');
  });

  it('makes ASCII slugs', () => {
    expect(slugify('Tư tưởng Hồ Chí Minh')).toBe('tu-tuong-ho-chi-minh');
    expect(slugify('  Văn học nước ngoài!! ')).toBe('van-hoc-nuoc-ngoai');
    expect(slugify('???')).toBe('muc');
  });

  it('splits author lists and removes repeats', () => {
    expect(splitList('Nguyễn Du; Tô Hoài ;nguyễn du\n Nam Cao')).toEqual(['Nguyễn Du', 'Tô Hoài', 'Nam Cao']);
    expect(splitAuthors('Vũ Hữu Tiệp, Nguyễn Văn A & B. Smith')).toEqual(['Vũ Hữu Tiệp', 'Nguyễn Văn A', 'B. Smith']);
  });

  it('validates ISBN-10 and ISBN-13 check digits', () => {
    expect(normaliseIsbn('978-604-2-12345-?')).toBeNull();
    expect(normaliseIsbn('978-0-306-40615-7')).toBe('9780306406157');
    expect(normaliseIsbn('978-0-306-40615-8')).toBeNull();
    expect(normaliseIsbn('0-306-40615-2')).toBe('0306406152');
    expect(normaliseIsbn('0-8044-2957-X')).toBe('080442957X');
    expect(normaliseIsbn('0-8044-2957-1')).toBeNull();
    expect(normaliseIsbn('123')).toBeNull();
  });

  it('derives a readable title from a file name', () => {
    expect(titleFromFileName('C:\\sach\\_viet-su-toan-thu.pdf')).toBe('viet su toan thu');
    expect(titleFromFileName('Truyện Kiều-Nguyễn Du.pdf')).toBe('Truyện Kiều - Nguyễn Du');
    expect(titleFromFileName('Truyện_Kiều.PDF')).toBe('Truyện Kiều');
    expect(titleFromFileName('.pdf')).toBe('Sách chưa đặt tên');
  });

  it('drops placeholder metadata and normalises language codes', () => {
    expect(cleanMetadataValue('Microsoft Word - sach.doc')).toBeNull();
    expect(cleanMetadataValue('untitled')).toBeNull();
    expect(cleanMetadataValue('  Lão   Hạc ')).toBe('Lão Hạc');
    expect(languageCode('vi-VN')).toBe('vi');
    expect(languageCode('EN_us')).toBe('en');
    expect(languageCode('Vietnamese')).toBe('vi');
    expect(languageCode('x')).toBeNull();
  });
});
