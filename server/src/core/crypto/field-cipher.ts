// Sensitive fields at rest (phones, emails of customers, contacts and leads): each value is stored
// as AES-256-GCM ciphertext under the current key, tagged with the key's id so that keys can be
// rotated (old values stay readable while any key that wrote them is configured). What must be
// found by value is found through blind indexes: an HMAC-SHA-256 of the normalised value under a
// separate key, equal for equal values and useless without the key.
//
// One cipher per process, configured at start (`useFieldCipher`): the pure functions that derive
// search and duplicate keys (standards, duplicates) need it as much as the models do, and every
// part of a process must agree on the keys or nothing written would be found again.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * A fresh random 96-bit GCM nonce per value, read from the CSPRNG 4,096 nonces at a time: one read
 * per value cost more than the encryption itself (an import encrypts every cell of every row).
 */
const noncesPerRead = 4096;
let nonces = Buffer.alloc(0);
let nextNonce = 0;
function nonce(): Buffer {
  if (nextNonce + 12 > nonces.length) {
    nonces = randomBytes(12 * noncesPerRead);
    nextNonce = 0;
  }
  return nonces.subarray(nextNonce, (nextNonce += 12));
}

export interface FieldKey {
  /** short id stored with each value: letters and digits */
  id: string;
  /** 32 bytes */
  key: Buffer;
}

const prefix = 'enc1:';
/** What a sealed file starts with: no spreadsheet or text file does */
const sealedMarker = Buffer.from('\u0000KMSEAL1', 'latin1');

export class FieldCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldCipherError';
  }
}

export class FieldCipher {
  private readonly keys: Map<string, Buffer>;
  private readonly current: FieldKey;
  private readonly blindKey: Buffer;

  /** `keys[0]` encrypts; every key decrypts what it wrote. */
  constructor(keys: FieldKey[], blindKey: Buffer) {
    if (keys.length === 0) throw new FieldCipherError('at least one field key is needed');
    for (const { id, key } of keys) {
      if (!/^[A-Za-z0-9]{1,16}$/.test(id)) throw new FieldCipherError(`field key id "${id}" must be 1–16 letters or digits`);
      if (key.length !== 32) throw new FieldCipherError(`field key "${id}" must be 32 bytes`);
    }
    if (blindKey.length < 32) throw new FieldCipherError('the blind index key must be at least 32 bytes');
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.current = keys[0]!;
    this.blindKey = blindKey;
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  /** The key that wrote a value or file, by its id. */
  private key(id: string): Buffer {
    const key = this.keys.get(id);
    if (!key) throw new FieldCipherError(`no field key "${id}" is configured: keep every key that wrote data until it is rotated out`);
    return key;
  }

  static isEncrypted(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(prefix);
  }

  /** An empty value stays empty: it hides nothing, and an import holds many empty cells. */
  encrypt(plain: string): string {
    if (plain === '' || FieldCipher.isEncrypted(plain)) return plain;
    const { iv, body } = this.close(Buffer.from(plain, 'utf8'));
    return `${prefix}${this.current.id}:${iv.toString('base64url')}:${body.toString('base64url')}`;
  }

  /** AES-256-GCM under the current key and a fresh nonce: the ciphertext with its tag after it. */
  private close(plain: Buffer): { iv: Buffer; body: Buffer } {
    const iv = nonce();
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    return { iv, body: Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]) };
  }

  /** The reverse of `close`: `what` names the value or file in the error of a failed check. */
  private open(keyId: string, iv: Buffer, body: Buffer, what: string): Buffer {
    const key = this.key(keyId);
    if (body.length < 16) throw new FieldCipherError(`a stored ${what} is damaged`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
    } catch {
      throw new FieldCipherError(`a stored ${what} failed its integrity check`);
    }
  }

  /** Plaintext passes through unchanged: values written before encryption stay readable until migrated. */
  decrypt(stored: string): string {
    if (!FieldCipher.isEncrypted(stored)) return stored;
    const [id, iv, body] = stored.slice(prefix.length).split(':');
    return this.open(id ?? '', Buffer.from(iv ?? '', 'base64url'), Buffer.from(body ?? '', 'base64url'), 'value').toString('utf8');
  }

  /**
   * A whole file under the current key (an import's spreadsheet is a copy of the customer list):
   * a marker, the key id, the nonce, then the ciphertext and its tag.
   */
  seal(content: Buffer): Buffer {
    const { iv, body } = this.close(content);
    const id = Buffer.from(this.current.id, 'ascii');
    return Buffer.concat([sealedMarker, Buffer.from([id.length]), id, iv, body]);
  }

  static isSealed(content: Buffer): boolean {
    return content.subarray(0, sealedMarker.length).equals(sealedMarker);
  }

  /** The key id a sealed file was written under (null for a file stored before sealing). */
  static sealedKeyId(content: Buffer): string | null {
    if (!FieldCipher.isSealed(content)) return null;
    const length = content[sealedMarker.length] ?? 0;
    return content.subarray(sealedMarker.length + 1, sealedMarker.length + 1 + length).toString('ascii');
  }

  /** A file stored before sealing passes through unchanged, like plaintext values. */
  unseal(content: Buffer): Buffer {
    const id = FieldCipher.sealedKeyId(content);
    if (id === null) return content;
    const start = sealedMarker.length + 1 + id.length;
    if (content.length < start + 12) throw new FieldCipherError('a stored file is damaged');
    return this.open(id, content.subarray(start, start + 12), content.subarray(start + 12), 'file');
  }

  /** The blind index of a normalised value; `kind` keeps a phone and an email with the same text apart. */
  blind(kind: string, value: string): string {
    return createHmac('sha256', this.blindKey).update(`${kind}\u0000${value}`).digest('base64url').slice(0, 22);
  }
}

/** `id:base64[,id:base64…]`, the first encrypting; refuses anything else. */
export function parseFieldKeys(text: string): FieldKey[] {
  return text.split(',').map((part) => {
    const [id = '', encoded = ''] = part.trim().split(':');
    const key = Buffer.from(encoded, 'base64');
    if (!id || key.length !== 32) throw new FieldCipherError('expected id:base64-of-32-bytes, comma-separated');
    return { id, key };
  });
}

/**
 * Development and tests only: keys every local process derives alike, so that servers sharing an
 * embedded database read each other's data. Production refuses to start without real keys.
 */
export function developmentFieldCipher(): FieldCipher {
  const derive = (label: string) => createHash('sha256').update(`kemai development ${label}`).digest();
  return new FieldCipher([{ id: 'dev', key: derive('field key') }], derive('blind index key'));
}

/** The cipher the configuration names; neither key set (outside production): the development one. */
export function fieldCipherFromConfig(config: { FIELD_ENCRYPTION_KEYS?: string; BLIND_INDEX_KEY?: string }): FieldCipher {
  const { FIELD_ENCRYPTION_KEYS: keys, BLIND_INDEX_KEY: blindKey } = config;
  if (!keys && !blindKey) return developmentFieldCipher();
  if (!keys || !blindKey) throw new FieldCipherError('set FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY together');
  return new FieldCipher(parseFieldKeys(keys), Buffer.from(blindKey, 'base64'));
}

let active: FieldCipher = developmentFieldCipher();

export function useFieldCipher(cipher: FieldCipher): void {
  active = cipher;
}

export function fieldCipher(): FieldCipher {
  return active;
}

/** The blind index under the process's keys (see `FieldCipher.blind`). */
export const blindIndex = (kind: string, value: string): string => active.blind(kind, value);
