// A passphrase strength estimate for the meter on the create screen: a rough entropy
// count (character pool × length, words counted as words), lowered for repeats,
// sequences and very common choices. It only guides; the vault's KDF does the protecting.

const COMMON = [
  'password', 'passphrase', 'motdepasse', 'contraseña', 'contrasena', 'qwerty', 'azerty', 'letmein',
  'welcome', 'lantern', 'admin', 'iloveyou', 'monkey', 'dragon', '123456', 'abc123', 'secret',
];

export type Score = 0 | 1 | 2 | 3 | 4;

export function entropyBits(passphrase: string): number {
  const p = passphrase.normalize('NFC');
  if (!p) return 0;
  const chars = [...p];
  const words = p.split(/[\s\-_.,;:]+/).filter((w) => w.length >= 3);
  // Words from a large vocabulary: ~11 bits each (a 2,000-word list) when there are several.
  const wordBits = words.length >= 3 ? words.length * 11 : 0;
  let pool = 0;
  if (/[a-z]/.test(p)) pool += 26;
  if (/[A-Z]/.test(p)) pool += 26;
  if (/[0-9]/.test(p)) pool += 10;
  if (/[^A-Za-z0-9\s]/.test(p)) pool += 33;
  if (/\s/.test(p)) pool += 1;
  // Letters outside ASCII (Arabic, accents): a large alphabet.
  if ([...p].some((c) => c.charCodeAt(0) > 127 && /\p{L}/u.test(c))) pool += 40;
  // Count distinct characters, so "aaaaaaaaaaaa" is not long.
  const distinct = new Set(chars).size;
  const effectiveLength = Math.min(chars.length, distinct * 2);
  let bits = Math.max(wordBits, effectiveLength * Math.log2(Math.max(pool, 2)));
  const lower = p.toLowerCase();
  if (COMMON.some((c) => lower.includes(c))) bits -= 20;
  if (/(.)\1{2,}/.test(p)) bits -= 10;
  if (/(0123|1234|2345|3456|4567|5678|6789|abcd|bcde|cdef)/i.test(p)) bits -= 10;
  return Math.max(0, Math.round(bits));
}

export function score(passphrase: string): Score {
  const bits = entropyBits(passphrase);
  if (bits < 36) return 0;
  if (bits < 50) return 1;
  if (bits < 64) return 2;
  if (bits < 80) return 3;
  return 4;
}

/** The rule of the create screen: long enough and at least "fair". */
export const MIN_LENGTH = 12;

export function acceptable(passphrase: string): 'ok' | 'too_short' | 'too_weak' {
  if ([...passphrase].length < MIN_LENGTH) return 'too_short';
  if (score(passphrase) < 2) return 'too_weak';
  return 'ok';
}
