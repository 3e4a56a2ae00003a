// The admin settings API's JSON (roles, organisation, platforms, flows, tokens, webhooks), typed by
// hand from the server's routes: these pages read them defensively, so a field the server adds or
// drops shows up as a blank rather than a crash.
import { dataScopes, type Permission, type DataScope } from '../../../server/src/core/auth/permissions.ts';
import { fieldRuleValues, maskableFieldNames, type FieldRule, type MaskableField } from '../../../server/src/core/auth/field-rules.ts';
import { domainEventTypes } from '../../../server/src/core/events.ts';
import { api } from './client.ts';

export type { Permission, DataScope, FieldRule, MaskableField };
export type LocalName = { zh: string; en: string };

/** Every permission, grouped by resource for the matrix (the compile check below keeps it complete). */
export const permissionMatrix = {
  customer: ['view', 'create', 'edit', 'delete', 'export', 'import', 'transfer'],
  contract: ['edit', 'approve'],
  payment: ['record'],
  ticket: ['handle'],
  audit: ['view'],
  settings: ['manage'],
} as const;
type MatrixPermission = { [R in keyof typeof permissionMatrix]: `${R}.${(typeof permissionMatrix)[R][number]}` }[keyof typeof permissionMatrix];
// a permission the server adds without a place in the matrix fails the H5 typecheck here
const matrixCoversAll: [Permission] extends [MatrixPermission] ? ([MatrixPermission] extends [Permission] ? true : never) : never = true;
void matrixCoversAll;

// the server's own lists (plain constants), so a new scope, field or rule shows up here by itself
export { dataScopes, fieldRuleValues };
export const maskableFields: readonly MaskableField[] = maskableFieldNames;
/** i18n keys cannot hold dots: customer.phones → customer_phones */
export const keyOf = (dotted: string) => dotted.replace(/\./g, '_');

export interface RoleItem {
  key: string;
  name: LocalName;
  builtIn: boolean;
  permissions: Permission[];
  dataScope: DataScope;
  fieldRules: Partial<Record<MaskableField, FieldRule>>;
  users: number;
}
export interface RoleHistoryEntry {
  id: string;
  at: string;
  action: string;
  actorId: string | null;
  changes?: { field: string; before: unknown; after: unknown }[];
}

export interface OrgUser {
  id: string;
  login: string;
  name: string;
  role: string;
  isManager: boolean;
  active: boolean;
  synced: boolean;
  platforms: string[];
  department: { id: string; name: string; path: string[] } | null;
}
export interface OrgDepartment {
  id: string;
  name: string;
  parentId: string | null;
  synced: boolean;
}
export interface HandoverResult {
  customers: number;
  contracts: number;
  opportunities: number;
  tickets: number;
  approvals: number;
}

export interface LastSync {
  ok: boolean;
  at: string;
  departments?: number;
  created?: number;
  updated?: number;
  deactivated?: number;
  error?: string;
}
export interface WecomConnection {
  platform: 'wecom';
  configured: boolean;
  ids: { corpId: string | null; agentId: string | number | null };
  secretSet: boolean;
  callbackConfigured: boolean;
  callbackUrl: string | null;
}
export interface DingtalkConnection {
  platform: 'dingtalk';
  configured: boolean;
  ids: { clientId: string | null; corpId: string | null; robotCode: string | null };
  secretSet: boolean;
  streamConnected: boolean | null;
}
export interface PlatformConnections {
  cardPlatform: string;
  lastSync: LastSync | null;
  items: (WecomConnection | DingtalkConnection)[];
}
export interface ConnectionTest {
  platform: string;
  ok: boolean;
  error?: string;
  ms?: number;
}

export interface DictionaryEntryInput {
  value: string;
  label: LocalName;
  active: boolean;
  synonyms?: string[];
}
export interface DictionaryItem {
  _id: string;
  entries: (DictionaryEntryInput & { order?: number })[];
  locked: boolean;
}

export type ApproverRule = { kind: 'manager' } | { kind: 'director' } | { kind: 'role'; role: string } | { kind: 'users'; userIds: string[] };
export interface FlowStep {
  name: string;
  approvers: ApproverRule;
  mode: 'any' | 'all';
}
export interface FlowBand {
  fromFen: number;
  steps: FlowStep[];
}

export const leadSources = ['h5', 'form', 'import', 'api'] as const;
export interface LeadRule {
  name: string;
  provinces: string[];
  cities: string[];
  industries: string[];
  sources: (typeof leadSources)[number][];
  campaignIds: string[];
  departmentId: string;
}

export interface ImportMapping {
  id: string;
  name: string;
  columns: Record<string, string>;
}

export const apiResources = ['customers', 'contacts', 'followUps', 'opportunities', 'contracts', 'orders', 'payments', 'tickets', 'tags', 'leads'] as const;
export type ApiResource = (typeof apiResources)[number];
export type ApiAccess = 'read' | 'write';
export interface ApiTokenItem {
  id: string;
  name: string;
  hint: string;
  owner: { id: string; name: string } | null;
  integrationRole: string | null;
  permissions: Partial<Record<ApiResource, ApiAccess>>;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  active: boolean;
  createdBy?: { id: string; name: string };
  createdAt: string;
}

export const webhookEventsFallback: readonly string[] = domainEventTypes;
export interface WebhookItem {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  createdAt: string;
  /** only in the answer that made or rotated it */
  secret?: string;
}
export type DeliveryStatus = 'pending' | 'paused' | 'delivered' | 'failed';
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  type: string;
  entity: string;
  entityId: string;
  occurredAt: string;
  status: DeliveryStatus;
  attempts: number;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  failedAt: string | null;
  createdAt: string;
}

const items = <T>(body: { items?: T[] } | null | undefined): T[] => (Array.isArray(body?.items) ? body.items : []);

export const loadRoles = async () => items(await api<{ items: RoleItem[] }>('/api/roles'));
export const loadOrgUsers = async () => items(await api<{ items: OrgUser[] }>('/api/org/users'));
export const loadDepartments = async () => items(await api<{ items: OrgDepartment[] }>('/api/org/departments'));

/** Departments in tree order with their depth, for indented pickers. */
export function departmentTree(departments: OrgDepartment[]): (OrgDepartment & { depth: number; path: string[] })[] {
  const children = new Map<string | null, OrgDepartment[]>();
  const known = new Set(departments.map((d) => d.id));
  for (const d of departments) {
    const parent = d.parentId && known.has(d.parentId) ? d.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), d]);
  }
  const out: (OrgDepartment & { depth: number; path: string[] })[] = [];
  const walk = (parent: string | null, depth: number, path: string[]) => {
    for (const d of children.get(parent) ?? []) {
      out.push({ ...d, depth, path: [...path, d.name] });
      if (depth < 20) walk(d.id, depth + 1, [...path, d.name]);
    }
  };
  walk(null, 0, []);
  return out;
}
