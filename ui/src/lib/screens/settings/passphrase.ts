// Judging a new passphrase the way vault_create does: the core rates it
// (`passphrase_strength`), the UI only words the rating. Shared by a new vault, changing the
// device passphrase, a backup passphrase and the new passphrase of a restored vault.
import type { Backend, PassphraseStrength } from '../../backend';
import type { MessageKey } from '../../i18n';

/** The core's hint codes, in words. */
export const HINTS: Record<string, MessageKey> = {
  too_short: 'vault.hintTooShort',
  common: 'vault.hintCommon',
  one_kind: 'vault.hintOneKind',
  repeated: 'vault.hintRepeated',
};

/** What stops this new passphrase (too short, too weak, not typed the same twice), or null. */
export function problemOf(rating: PassphraseStrength, passphrase: string, confirm: string): MessageKey | null {
  if ([...passphrase].length < rating.min_length) return 'vault.tooShort';
  if (!rating.acceptable) return 'vault.tooWeak';
  if (passphrase !== confirm) return 'vault.mismatch';
  return null;
}

export async function judge(b: Backend, passphrase: string, confirm: string): Promise<MessageKey | null> {
  return problemOf(await b.passphraseStrength(passphrase), passphrase, confirm);
}
