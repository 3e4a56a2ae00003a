// Sessions: a signed token (HS256 JWT carrying the session id) plus a session row, so a token can
// be revoked before it expires. Implements the core Authenticator: token → user → request scope.
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Authenticator } from '../../core/auth/authenticator.ts';
import type { RoleDefinition } from '../../core/auth/permissions.ts';
import { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import type { OrgService } from '../org/org.service.ts';
import type { User } from '../org/user.model.ts';
import type { SessionModel } from './session.model.ts';

export interface AuthDeps {
  sessions: SessionModel;
  org: OrgService;
  clock: Clock;
  secret: string;
  ttlHours: number;
  /** the current definition of a role (the admins' permissions matrix), read on every request */
  roles: { definition(key: string): Promise<RoleDefinition | null> };
  /** the customers a service user reaches (through their tickets) */
  serviceCustomers?: (userId: string) => Promise<string[]>;
}

export interface OpenedSession {
  token: string;
  sessionId: string;
  expiresAt: Date;
}

const issuer = 'kemai';

export class AuthService implements Authenticator {
  private readonly deps: AuthDeps;
  private readonly key: Uint8Array;

  constructor(deps: AuthDeps) {
    this.deps = deps;
    this.key = new TextEncoder().encode(deps.secret);
  }

  async openSession(user: User, method: string, userAgent?: string): Promise<OpenedSession> {
    const now = this.deps.clock.now();
    const expiresAt = new Date(now.getTime() + this.deps.ttlHours * 3_600_000);
    const sessionId = randomBytes(18).toString('base64url');
    await this.deps.sessions.create({
      _id: sessionId,
      userId: user._id,
      createdAt: now,
      expiresAt,
      method,
      userAgent: userAgent?.slice(0, 300),
    });
    const token = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer)
      .setSubject(user._id.toHexString())
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key);
    return { token, sessionId, expiresAt };
  }

  async authenticate(token: string) {
    const claims = await this.verify(token);
    if (!claims) return null;
    const now = this.deps.clock.now();
    // the token names both, so session and user are read at once
    const [session, user] = await Promise.all([this.deps.sessions.findById(claims.sid).lean(), this.deps.org.findUserById(claims.sub)]);
    if (!session || session.revokedAt || session.expiresAt <= now || session.userId.toHexString() !== claims.sub) return null;
    if (!user || !user.active) return null;
    const scope = await this.scopeOf(user);
    return { auth: { user: scope.user, sessionId: claims.sid }, scope };
  }

  /** The request scope of an active user acting without a session (a bot message, a card click). */
  async scopeFor(userId: string): Promise<RequestScope | null> {
    const user = await this.deps.org.findUserById(userId);
    return user?.active ? this.scopeOf(user) : null;
  }

  /**
   * The scope of an open-API token that acts as an integration role rather than a person: the
   * role's permissions and data scope, recorded in the audit trail under the token's id and name.
   */
  async scopeForRole(role: string, actor: { id: string; name: string }): Promise<RequestScope | null> {
    const definition = await this.deps.roles.definition(role);
    if (!definition) return null;
    return new RequestScope({
      user: { id: actor.id, login: `token:${actor.id}`, name: actor.name, role, departmentId: null, isManager: false },
      permissions: new Set(definition.permissions),
      // an integration belongs to no department: a department scope reaches nothing but its own
      departmentSubtree: [],
      dataScope: definition.dataScope,
      fieldRules: definition.fieldRules,
    });
  }

  private async scopeOf(user: User): Promise<RequestScope> {
    const scopeUser = this.deps.org.toScopeUser(user);
    // a role deleted while someone still held it grants nothing and reaches only their own records
    const definition = (await this.deps.roles.definition(scopeUser.role)) ?? { permissions: [], dataScope: 'self' as const, fieldRules: {} };
    const departmentId = user.departmentId?.toHexString() ?? null;
    const subtree =
      definition.dataScope === 'departmentTree' ? await this.deps.org.departmentSubtree(user.departmentId) : definition.dataScope === 'department' && departmentId ? [departmentId] : [];
    const serviceCustomerIds = scopeUser.role === 'service' && this.deps.serviceCustomers ? await this.deps.serviceCustomers(scopeUser.id) : [];
    return new RequestScope({
      user: scopeUser,
      permissions: new Set(definition.permissions),
      departmentSubtree: subtree,
      serviceCustomerIds,
      dataScope: definition.dataScope,
      fieldRules: definition.fieldRules,
    });
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.deps.sessions.updateOne({ _id: sessionId, revokedAt: null }, { $set: { revokedAt: this.deps.clock.now() } });
  }

  /** Deletes sessions that expired more than a day ago (run by a job). */
  async purgeExpiredSessions(): Promise<number> {
    const cutoff = new Date(this.deps.clock.now().getTime() - 86_400_000);
    const result = await this.deps.sessions.deleteMany({ expiresAt: { $lt: cutoff } });
    return result.deletedCount;
  }

  private async verify(token: string): Promise<{ sid: string; sub: string } | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer,
        algorithms: ['HS256'],
        currentDate: this.deps.clock.now(),
      });
      if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string') return null;
      return { sid: payload.sid, sub: payload.sub };
    } catch {
      return null;
    }
  }
}
