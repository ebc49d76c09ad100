// Keyboard helpers: when a key belongs to the focused control rather than to the app's shortcuts.

interface KeyLike {
  key: string;
  target: EventTarget | null;
}

const TEXT_LIKE_INPUTS = new Set(['text', 'search', 'number', 'email', 'url', 'password', 'tel', '']);

/** True when the focused element would use this key itself: text entry, a select, a slider's arrows, a button's Enter/Space. */
export function isTyping(e: KeyLike): boolean {
  const t = e.target as { tagName?: string; isContentEditable?: boolean; type?: string } | null;
  if (!t?.tagName) return false;
  if (t.isContentEditable || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') return true;
  if (t.tagName === 'INPUT') {
    const type = (t.type ?? '').toLowerCase();
    if (TEXT_LIKE_INPUTS.has(type)) return true;
    if (type === 'range') return /^(Arrow|Page|Home|End)/.test(e.key);
    return e.key === ' ' || e.key === 'Enter';
  }
  if (t.tagName === 'BUTTON') return e.key === ' ' || e.key === 'Enter';
  return false;
}
