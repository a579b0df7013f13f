// Which optional security notices a person turned off (notify.ts), one document per account.
import type { Documents } from '../store/types.ts';
import { OPTIONAL_NOTICES, type NoticeKind } from './notify.ts';

const COLLECTION = 'mail-preferences';

export interface Preferences {
  off(sub: string): Promise<NoticeKind[]>;
  isOff(sub: string, kind: NoticeKind): Promise<boolean>;
  /** Only optional kinds can be turned off; others are ignored. */
  set(sub: string, off: NoticeKind[]): Promise<void>;
}

export function mailPreferences(documents: Documents): Preferences {
  const off = async (sub: string) => {
    const raw = await documents.get(COLLECTION, sub);
    return raw ? ((JSON.parse(raw) as { off: NoticeKind[] }).off ?? []) : [];
  };
  return {
    off,
    isOff: async (sub, kind) => (await off(sub)).includes(kind),
    async set(sub, kinds) {
      const kept = OPTIONAL_NOTICES.filter((k) => kinds.includes(k));
      if (kept.length) await documents.put(COLLECTION, sub, JSON.stringify({ off: kept }));
      else await documents.remove(COLLECTION, sub);
    },
  };
}
