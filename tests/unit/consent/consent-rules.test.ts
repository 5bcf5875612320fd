import { createCanvas } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { addDays, formatDate, isIsoDate, libraryDate, libraryDayStart } from '../../../src/infra/calendar.ts';
import { sniffEvidence } from '../../../src/features/consent/evidence.ts';
import { parseConsentColumns } from '../../../src/features/consent/import-columns.ts';
import { describeProblems, isCurrent } from '../../../src/features/consent/publish-gate.service.ts';
import { recordConsentSchema } from '../../../src/features/consent/consent.schemas.ts';

describe('library calendar (Asia/Ho_Chi_Minh)', () => {
  it('uses the Vietnamese date, not UTC, for "today"', () => {
    // 18:30 UTC on 31 Dec is already 1 Jan in Hà Nội.
    expect(libraryDate(new Date('2025-12-31T18:30:00Z'))).toBe('2026-01-01');
    expect(libraryDate(new Date('2025-12-31T16:59:59Z'))).toBe('2025-12-31');
    expect(libraryDayStart('2026-01-01').toISOString()).toBe('2025-12-31T17:00:00.000Z');
  });
  it('adds days across months and leap years and validates dates', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2025-12-31', 30)).toBe('2026-01-30');
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('29/02/2024')).toBe(false);
    expect(formatDate('2025-03-07')).toBe('07/03/2025');
  });
});

describe('a consent is current', () => {
  const c = (status: 'granted' | 'pending' | 'revoked' | 'expired', starts_on: string | null, ends_on: string | null) => ({
    status,
    starts_on,
    ends_on,
  });
  it('when granted and start ≤ today ≤ end (the end day included)', () => {
    expect(isCurrent(c('granted', '2025-01-01', null), '2025-06-01')).toBe(true);
    expect(isCurrent(c('granted', '2025-01-01', '2025-06-01'), '2025-06-01')).toBe(true);
    expect(isCurrent(c('granted', '2025-01-01', '2025-05-31'), '2025-06-01')).toBe(false);
    expect(isCurrent(c('granted', '2025-06-02', null), '2025-06-01')).toBe(false);
    expect(isCurrent(c('pending', '2025-01-01', null), '2025-06-01')).toBe(false);
    expect(isCurrent(c('revoked', '2025-01-01', null), '2025-06-01')).toBe(false);
  });
});

describe('gate reasons', () => {
  it('name the rights holder, their role and the date in both languages', () => {
    const problems = [
      { code: 'holder_missing' as const, holder: 'Nguyễn Nhật Ánh', role: 'author' },
      { code: 'holder_expired' as const, holder: 'NXB Trẻ', role: 'publisher', date: '2025-05-31' },
    ];
    expect(describeProblems(problems, 'vi')).toEqual([
      'Chưa có sự đồng ý của Nguyễn Nhật Ánh (tác giả).',
      'Sự đồng ý của NXB Trẻ (nhà xuất bản) đã hết hạn ngày 31/05/2025.',
    ]);
    expect(describeProblems(problems, 'en')[1]).toBe('The consent of NXB Trẻ (publisher) ended on 31/05/2025.');
  });
});

describe('evidence file sniffing (magic bytes, not names)', () => {
  it('recognises real PDF, PNG and JPEG bytes', () => {
    const canvas = createCanvas(8, 8);
    expect(sniffEvidence(canvas.toBuffer('image/png'))).toBe('image/png');
    expect(sniffEvidence(canvas.toBuffer('image/jpeg'))).toBe('image/jpeg');
    expect(sniffEvidence(Buffer.from('%PDF-1.7\n...'))).toBe('application/pdf');
  });
  it('refuses text, HTML, GIF and a bare PNG signature without a header chunk', () => {
    expect(sniffEvidence(Buffer.from('hello, this is not a scan'))).toBeNull();
    expect(sniffEvidence(Buffer.from('<html><script>alert(1)</script>'))).toBeNull();
    expect(sniffEvidence(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).toBeNull();
    expect(sniffEvidence(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]))).toBeNull();
  });
});

describe('consent form rules', () => {
  const base = { rightsHolderId: '3', role: 'author', method: 'letter', terms: 'Đồng ý chia sẻ miễn phí.' };
  it('a granted consent needs its date and wording; the end cannot precede the start', () => {
    expect(recordConsentSchema.safeParse({ ...base, status: 'granted' }).success).toBe(false);
    expect(recordConsentSchema.safeParse({ ...base, status: 'granted', grantedOn: '2025-01-10', endsOn: '2025-01-09' }).success).toBe(
      false,
    );
    const ok = recordConsentSchema.parse({ ...base, status: 'granted', grantedOn: '2025-01-10', nonCommercial: 'yes' });
    expect(ok).toMatchObject({
      rightsHolderId: 3,
      grantedOn: '2025-01-10',
      startsOn: null,
      endsOn: null,
      allowDownload: false,
      nonCommercial: true,
    });
  });
  it('a pending request needs neither date nor wording, but needs a holder', () => {
    expect(recordConsentSchema.safeParse({ ...base, terms: '', status: 'pending' }).success).toBe(true);
    expect(recordConsentSchema.safeParse({ role: 'author', method: 'email', status: 'pending' }).success).toBe(false);
  });
});

describe('import manifest consent columns', () => {
  it('accepts a consent row with several holders, Vietnamese dates and yes/no', () => {
    const { spec, errors } = parseConsentColumns({
      basis: 'consent',
      rights_holder: 'Tô Hoài; NXB Kim Đồng',
      rights_holder_kind: 'heir;publisher',
      consent_date: '05/03/2025',
      consent_until: '2030-12-31',
      allow_download: 'có',
    });
    expect(errors).toEqual([]);
    expect(spec).toEqual({
      basis: 'consent',
      holders: [
        { name: 'Tô Hoài', kind: 'heir' },
        { name: 'NXB Kim Đồng', kind: 'publisher' },
      ],
      grantedOn: '2025-03-05',
      endsOn: '2030-12-31',
      allowDownload: true,
      terms: '',
    });
  });
  it('recognises Creative Commons URLs and requires a public-domain reason', () => {
    expect(parseConsentColumns({ basis: 'open-licence', licence: 'https://creativecommons.org/licenses/by-sa/4.0/' }).spec).toMatchObject({
      basis: 'open_licence',
      licenceName: 'CC BY-SA 4.0',
    });
    expect(parseConsentColumns({ basis: 'public-domain', basis_note: '' }).errors[0]).toMatchObject({
      column: 'basis_note',
      message: expect.stringContaining('basis_note'),
    });
  });
  it('lists every problem of a bad row', () => {
    const { spec, errors } = parseConsentColumns({
      basis: 'consent',
      rights_holder: 'A',
      rights_holder_kind: 'wizard',
      consent_date: '31/02/2025',
      allow_download: 'maybe',
    });
    expect(spec).toBeNull();
    expect(errors.map((e) => e.column)).toEqual(['allow_download', 'consent_date', 'rights_holder_kind']);
  });
  it('a bad basis does not hide the other cells’ problems', () => {
    const { errors } = parseConsentColumns({ basis: 'maybe', consent_date: '2025-13-01', allow_download: 'perhaps' });
    expect(errors.map((e) => e.column)).toEqual(['basis', 'allow_download', 'consent_date']);
  });
  it('ignores rows whose consent cells are all empty', () => {
    expect(parseConsentColumns({ basis: '', rights_holder: '' })).toEqual({ spec: null, errors: [] });
  });
});
