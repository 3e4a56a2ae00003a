import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FieldCipher, FieldCipherError, fieldCipherFromConfig, parseFieldKeys } from '../../server/src/core/crypto/field-cipher.ts';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const blindKey = randomBytes(32);

describe('field cipher', () => {
  it('round-trips under a random nonce, tagged with the key id', () => {
    const cipher = new FieldCipher([k1], blindKey);
    const a = cipher.encrypt('13800138000');
    const b = cipher.encrypt('13800138000');
    expect(a).toMatch(/^enc1:k1:/);
    expect(a).not.toBe(b);
    expect(cipher.decrypt(a)).toBe('13800138000');
    expect(cipher.decrypt(b)).toBe('13800138000');
    expect(cipher.encrypt(a)).toBe(a); // never twice
    expect(cipher.decrypt('13800138000')).toBe('13800138000'); // plaintext from before passes through
  });

  it('never repeats a nonce, across the reads of random bytes that nonces are drawn from', () => {
    const cipher = new FieldCipher([k1], blindKey);
    const nonces = Array.from({ length: 10_000 }, () => cipher.encrypt('13800138000').split(':')[2]);
    expect(new Set(nonces).size).toBe(10_000);
    expect(nonces.every((n) => Buffer.from(n!, 'base64url').length === 12)).toBe(true);
    // sealed files draw from the same nonces
    const sealed = [cipher.seal(Buffer.from('a')), cipher.seal(Buffer.from('a'))];
    expect(sealed[0]!.equals(sealed[1]!)).toBe(false);
  });

  it('refuses a changed ciphertext and a value whose key is not configured', () => {
    const cipher = new FieldCipher([k1], blindKey);
    const stored = cipher.encrypt('li@example.cn');
    const body = stored.split(':')[3]!;
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => cipher.decrypt(stored.replace(body, flipped.toString('base64url')))).toThrow(FieldCipherError);
    expect(() => new FieldCipher([k2], blindKey).decrypt(stored)).toThrow(/no field key "k1"/);
    // the same id with another key is no way in either
    expect(() => new FieldCipher([{ id: 'k1', key: randomBytes(32) }], blindKey).decrypt(stored)).toThrow(/integrity/);
  });

  it('decrypts with every listed key and encrypts with the first', () => {
    const old = new FieldCipher([k1], blindKey).encrypt('021-54954215');
    const rotated = new FieldCipher([k2, k1], blindKey);
    expect(rotated.decrypt(old)).toBe('021-54954215');
    expect(rotated.encrypt('021-54954215')).toMatch(/^enc1:k2:/);
  });

  it('leaves an empty value empty', () => {
    expect(new FieldCipher([k1], blindKey).encrypt('')).toBe('');
  });

  it('seals a whole file under the current key, and opens it with any listed key', () => {
    const file = Buffer.from('客户名称,联系电话\n恒通科技,13800138000\n', 'utf8');
    const sealed = new FieldCipher([k1], blindKey).seal(file);
    expect(FieldCipher.sealedKeyId(sealed)).toBe('k1');
    expect(sealed.includes(Buffer.from('13800138000'))).toBe(false);
    expect(new FieldCipher([k2, k1], blindKey).unseal(sealed)).toEqual(file);
    expect(() => new FieldCipher([k2], blindKey).unseal(sealed)).toThrow(/no field key "k1"/);
    const changed = Buffer.from(sealed);
    changed[changed.length - 20]! ^= 1;
    expect(() => new FieldCipher([k1], blindKey).unseal(changed)).toThrow(FieldCipherError);
    // a file stored before sealing passes through
    expect(FieldCipher.sealedKeyId(file)).toBeNull();
    expect(new FieldCipher([k1], blindKey).unseal(file)).toEqual(file);
  });

  it('gives blind indexes equal for equal values, apart by kind and by key', () => {
    const cipher = new FieldCipher([k1], blindKey);
    expect(cipher.blind('mobile', '13800138000')).toBe(new FieldCipher([k2], blindKey).blind('mobile', '13800138000'));
    expect(cipher.blind('mobile', '13800138000')).not.toBe(cipher.blind('phone', '13800138000'));
    expect(cipher.blind('mobile', '13800138000')).not.toBe(new FieldCipher([k1], randomBytes(32)).blind('mobile', '13800138000'));
    expect(cipher.blind('mobile', '13800138000')).not.toContain('8000');
  });

  it('reads keys from configuration and refuses half of it', () => {
    const keys = `k2:${k2.key.toString('base64')},k1:${k1.key.toString('base64')}`;
    expect(parseFieldKeys(keys).map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(fieldCipherFromConfig({ FIELD_ENCRYPTION_KEYS: keys, BLIND_INDEX_KEY: blindKey.toString('base64') }).currentKeyId).toBe('k2');
    expect(() => fieldCipherFromConfig({ FIELD_ENCRYPTION_KEYS: keys })).toThrow(/together/);
    expect(fieldCipherFromConfig({}).currentKeyId).toBe('dev');
    expect(() => parseFieldKeys('k1:c2hvcnQ=')).toThrow(FieldCipherError);
  });
});
