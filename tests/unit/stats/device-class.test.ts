import { describe, expect, it } from 'vitest';
import { deviceClass } from '../../../src/features/stats/visitor.ts';

/**
 * Real user-agent strings as phones and tablets in Vietnam send them (in-app browsers append their
 * own tokens after the system WebView's UA). In-app browsers count by the device they run on.
 */
const TABLE: Array<[string, 'phone' | 'tablet' | 'desktop', string]> = [
  [
    'Zalo on an Android phone',
    'phone',
    'Mozilla/5.0 (Linux; Android 12; SM-A125F Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.193 Mobile Safari/537.36 Zalo android/12100663 ZaloTheme/light ZaloLanguage/vi',
  ],
  [
    'Zalo on an iPhone',
    'phone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Zalo iOS/527 ZaloTheme/light ZaloLanguage/vi',
  ],
  [
    'Zalo on an Android tablet',
    'tablet',
    'Mozilla/5.0 (Linux; Android 13; SM-X205 Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Safari/537.36 Zalo android/12100663 ZaloTheme/light ZaloLanguage/vi',
  ],
  [
    'Facebook in-app on an Android phone',
    'phone',
    'Mozilla/5.0 (Linux; Android 13; SM-A536E Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/446.0.0.34.108;]',
  ],
  [
    'Facebook in-app on an iPhone',
    'phone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.1;FBSS/3;FBID/phone;FBLC/vi_VN;FBOP/5;FBRV/0]',
  ],
  [
    'Facebook in-app on an iPad',
    'tablet',
    'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBDV/iPad13,18;FBMD/iPad;FBSN/iPadOS;FBSV/16.6;FBSS/2;FBID/tablet;FBLC/vi_VN;FBOP/5]',
  ],
  [
    'Messenger in-app on an Android phone',
    'phone',
    'Mozilla/5.0 (Linux; Android 11; Redmi Note 9 Pro Build/RKQ1.200826.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/118.0.5993.111 Mobile Safari/537.36 [FB_IAB/Orca-Android;FBAV/436.0.0.35.101;]',
  ],
  [
    'Messenger in-app on an iPhone',
    'phone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 LightSpeed [FBAN/MessengerLiteForiOS;FBAV/436.0.0.28.108;FBBV/540203911;FBDV/iPhone12,1;FBMD/iPhone;FBSN/iOS;FBSV/16.7.2;FBSS/2;FBCR/;FBID/phone;FBLC/vi;FBOP/0]',
  ],
  [
    'Chrome on an Android phone (reduced UA)',
    'phone',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  ],
  [
    'Chrome on an Android tablet (reduced UA)',
    'tablet',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  ],
  [
    'Samsung Internet on a Galaxy phone',
    'phone',
    'Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36',
  ],
  [
    'Samsung Internet on a Galaxy Tab',
    'tablet',
    'Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36',
  ],
  [
    'Safari on an iPad (mobile UA)',
    'tablet',
    'Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  ],
  [
    'Chrome on an iPad',
    'tablet',
    'Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1',
  ],
  [
    'Safari on an iPhone',
    'phone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  ],
  [
    'Chrome on Windows',
    'desktop',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  ],
  [
    'Safari on a Mac',
    'desktop',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  ],
  ['Firefox on Linux', 'desktop', 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'],
  ['no user agent at all', 'desktop', ''],
];

describe('device classes from real user agents', () => {
  it.each(TABLE)('%s → %s', (_name, expected, ua) => {
    expect(deviceClass(ua)).toBe(expected);
  });

  it('iPadOS Safari in "desktop website" mode (its default) sends a Mac UA and counts as a computer', () => {
    // A known limit, pinned so a change is deliberate: the UA is byte-for-byte a Mac's, and Safari
    // sends no client hints. In-app browsers on an iPad (above) still name the iPad.
    const ipadDesktopMode =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15';
    expect(deviceClass(ipadDesktopMode)).toBe('desktop');
  });

  it('a dashboard fed only phones (Zalo, Facebook, Messenger, Chrome) counts only phones', () => {
    const phones = TABLE.filter(([, d]) => d === 'phone').map(([, , ua]) => ua);
    const counts = phones.map(deviceClass).reduce<Record<string, number>>((acc, d) => ({ ...acc, [d]: (acc[d] ?? 0) + 1 }), {});
    expect(counts).toEqual({ phone: phones.length });
  });
});
