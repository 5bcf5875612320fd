import { en } from './en.ts';
import { vi, type MessageKey } from './vi.ts';

export type { MessageKey };
export type Lang = 'vi' | 'en';
export const LANGS: readonly Lang[] = ['vi', 'en'];

const catalogues: Record<Lang, Record<MessageKey, string>> = { vi, en };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const messages = catalogues[lang];
  return (key, params) => {
    const text = messages[key] ?? vi[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
  };
}

export function isMessageKey(value: string): value is MessageKey {
  return Object.hasOwn(vi, value);
}

export function isLang(value: unknown): value is Lang {
  return value === 'vi' || value === 'en';
}
