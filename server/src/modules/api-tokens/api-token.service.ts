// Open-API tokens: admins create, list and revoke them; the open API resolves a presented token to
// the scope it acts with. The token string is shown once, at creation; only its hash is kept.
import { createHash, randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { AuditService, ClientInfo } from '../audit/audit.service.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { ApiToken, ApiTokenModel } from './api-token.model.ts';
import { maxTokenLifetimeMs, type CreateApiTokenInput } from './api-token.input.ts';
import './messages.ts';

export const tokenPrefix = 'kmt_';
/** lastUsedAt is written at most this often per token, not on every request */
const touchEveryMs = 60_000;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface ResolvedToken {
  token: ApiToken;
  scope: RequestScope;
}

export class ApiTokenService {
  private readonly deps: {
    tokens: ApiTokenModel;
    auth: Pick<AuthService, 'scopeFor' | 'scopeForRole'>;
    org: Pick<OrgService, 'findUserById' | 'displayNames'>;
    roles: { definition(key: string): Promise<unknown> };
    audit: AuditService;
    clock: Clock;
  };

  constructor(deps: ApiTokenService['deps']) {
    this.deps = deps;
  }

  async create(scope: RequestScope, input: CreateApiTokenInput, client: ClientInfo) {
    scope.require('settings.manage');
    const now = this.deps.clock.now();
    if (input.expiresAt && (input.expiresAt <= now || input.expiresAt.getTime() - now.getTime() > maxTokenLifetimeMs)) {
      throw new AppError('VALIDATION', { messageKey: 'error.apiToken.expiry', details: [{ path: 'expiresAt' }] });
    }
    if (input.ownerUserId) {
      const owner = await this.deps.org.findUserById(input.ownerUserId);
      if (!owner?.active) throw new AppError('VALIDATION', { messageKey: 'error.apiToken.owner', details: [{ path: 'ownerUserId' }] });
    }
    if (input.integrationRole && !(await this.deps.roles.definition(input.integrationRole))) {
      throw new AppError('VALIDATION', { messageKey: 'error.apiToken.role', details: [{ path: 'integrationRole' }] });
    }
    const token = tokenPrefix + randomBytes(32).toString('base64url');
    const created = (
      await this.deps.tokens.create({
        name: input.name,
        hash: hashToken(token),
        prefix: token.slice(0, 8),
        last4: token.slice(-4),
        ownerUserId: input.ownerUserId ? new Types.ObjectId(input.ownerUserId) : null,
        integrationRole: input.integrationRole ?? null,
        permissions: input.permissions,
        expiresAt: input.expiresAt ?? null,
        createdBy: new Types.ObjectId(scope.user.id),
        createdAt: now,
      })
    ).toObject() as ApiToken;
    await this.deps.audit.record(scope, client, [
      { action: 'apiToken.create', entity: 'apiToken', entityId: created._id, details: { name: created.name, permissions: created.permissions } },
    ]);
    return { token, ...(await this.views([created]))[0]! };
  }

  async list(scope: RequestScope) {
    scope.require('settings.manage');
    const rows = await this.deps.tokens.find({}).sort({ createdAt: -1, _id: -1 }).limit(500).lean<ApiToken[]>();
    return { items: await this.views(rows) };
  }

  async revoke(scope: RequestScope, id: string, client: ClientInfo) {
    scope.require('settings.manage');
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const _id = new Types.ObjectId(id);
    const now = this.deps.clock.now();
    const revoked = await this.deps.tokens
      .findOneAndUpdate({ _id, revokedAt: null }, { $set: { revokedAt: now, revokedBy: new Types.ObjectId(scope.user.id) } }, { returnDocument: 'after' })
      .lean<ApiToken>();
    if (revoked) {
      await this.deps.audit.record(scope, client, [{ action: 'apiToken.revoke', entity: 'apiToken', entityId: _id, details: { name: revoked.name } }]);
      return (await this.views([revoked]))[0]!;
    }
    // revoking twice answers the same
    const earlier = await this.deps.tokens.findById(_id).lean<ApiToken>();
    if (!earlier) throw notFound();
    return (await this.views([earlier]))[0]!;
  }

  /**
   * The token and the scope it acts with, or null when it is unknown, revoked, expired, or its
   * owner is gone or inactive (checked on every request, so deactivating a person stops their
   * tokens at once).
   */
  async resolve(presented: string): Promise<ResolvedToken | null> {
    if (!presented.startsWith(tokenPrefix)) return null;
    const token = await this.deps.tokens.findOne({ hash: hashToken(presented) }).lean<ApiToken>();
    const now = this.deps.clock.now();
    if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now)) return null;
    const scope = token.ownerUserId
      ? await this.deps.auth.scopeFor(token.ownerUserId.toHexString())
      : await this.deps.auth.scopeForRole(token.integrationRole ?? '', { id: token._id.toHexString(), name: token.name });
    if (!scope) return null;
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= touchEveryMs) {
      await this.deps.tokens.updateOne({ _id: token._id }, { $set: { lastUsedAt: now } });
    }
    return { token, scope };
  }

  private async views(tokens: ApiToken[]) {
    const names = await this.deps.org.displayNames(tokens.flatMap((t) => [t.ownerUserId, t.createdBy]));
    const now = this.deps.clock.now();
    return tokens.map((t) => ({
      id: t._id.toHexString(),
      name: t.name,
      // never the token: its first characters and last four, to recognise it
      hint: `${t.prefix}…${t.last4}`,
      owner: t.ownerUserId ? { id: t.ownerUserId.toHexString(), name: names.get(t.ownerUserId.toHexString()) ?? '' } : null,
      integrationRole: t.integrationRole,
      permissions: t.permissions,
      expiresAt: t.expiresAt,
      revokedAt: t.revokedAt,
      lastUsedAt: t.lastUsedAt,
      active: !t.revokedAt && (!t.expiresAt || t.expiresAt > now),
      createdBy: { id: t.createdBy.toHexString(), name: names.get(t.createdBy.toHexString()) ?? '' },
      createdAt: t.createdAt,
    }));
  }
}
