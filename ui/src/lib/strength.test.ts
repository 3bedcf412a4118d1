import { describe, expect, it } from 'vitest';
import { acceptable, score } from './state/strength';

describe('passphrase strength', () => {
  it('rates short, repeated and common passphrases low and long varied ones high', () => {
    expect(score('')).toBe(0);
    expect(score('password1234')).toBeLessThanOrEqual(1);
    expect(score('aaaaaaaaaaaaaaaa')).toBe(0);
    expect(score('river lamp orange seventy')).toBeGreaterThanOrEqual(3);
    expect(score('Tq7#vL9!pX2$wM4&')).toBe(4);
  });

  it('refuses what the create screen must refuse', () => {
    expect(acceptable('short1!')).toBe('too_short');
    expect(acceptable('password1234')).toBe('too_weak');
    expect(acceptable('river lamp orange seventy')).toBe('ok');
  });
});
