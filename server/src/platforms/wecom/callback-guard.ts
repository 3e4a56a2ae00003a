// Authenticity of WeCom callbacks: the signature (constant-time), the receive id (our corp), the
// timestamp window and single-use nonces. Decryption is @wecom/crypto's.
import { timingSafeEqual } from 'node:crypto';
import { decrypt, getSignature } from '@wecom/crypto';
import { Schema, type Connection, type Model } from 'mongoose';

interface UsedNonce {
  _id: string;
  at: Date;
}

const usedNonceSchema = new Schema<UsedNonce>({ _id: { type: String, required: true }, at: { type: Date, required: true } }, { versionKey: false });
usedNonceSchema.index({ at: 1 });

export type UsedNonceModel = Model<UsedNonce>;

export function defineUsedNonceModel(connection: Connection): UsedNonceModel {
  return connection.model<UsedNonce>('UsedNonce', usedNonceSchema, 'wecomNonces');
}

export type Rejection = 'signature' | 'receiver' | 'timestamp' | 'replay' | 'malformed';

export class CallbackRejected extends Error {
  readonly reason: Rejection;
  constructor(reason: Rejection) {
    super(`WeCom callback rejected: ${reason}`);
    this.reason = reason;
  }
}

export interface GuardOptions {
  token: string;
  encodingAesKey: string;
  corpId: string;
  windowSeconds: number;
  nonces: UsedNonceModel;
  now?: () => number;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class CallbackGuard {
  private readonly options: GuardOptions;

  constructor(options: GuardOptions) {
    this.options = options;
  }

  /** Checks signature and receiver, returns the plaintext. For URL verification (GET) and messages. */
  open(query: { msg_signature?: string; timestamp?: string; nonce?: string }, encrypted: string): string {
    const { msg_signature: signature, timestamp, nonce } = query;
    if (!signature || !timestamp || !nonce || !encrypted) throw new CallbackRejected('malformed');
    if (!sameText(getSignature(this.options.token, timestamp, nonce, encrypted), signature)) throw new CallbackRejected('signature');
    let opened: { message: string; id: string };
    try {
      opened = decrypt(this.options.encodingAesKey, encrypted);
    } catch {
      throw new CallbackRejected('malformed');
    }
    if (!sameText(opened.id, this.options.corpId)) throw new CallbackRejected('receiver');
    return opened.message;
  }

  /** For pushed messages: also a fresh timestamp and a nonce never seen before. */
  async openMessage(query: { msg_signature?: string; timestamp?: string; nonce?: string }, encrypted: string): Promise<string> {
    const message = this.open(query, encrypted);
    const sent = Number(query.timestamp) * 1000;
    const now = this.options.now?.() ?? Date.now();
    if (!Number.isFinite(sent) || Math.abs(now - sent) > this.options.windowSeconds * 1000) throw new CallbackRejected('timestamp');
    try {
      await this.options.nonces.create({ _id: `${query.timestamp}:${query.nonce}`, at: new Date(now) });
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw new CallbackRejected('replay');
      throw error;
    }
    return message;
  }
}
