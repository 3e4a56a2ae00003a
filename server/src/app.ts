// Builds the Koa app and its services from explicit dependencies. Starts nothing: main.ts listens
// and starts jobs; tests build the app the same way against their own database.
import { Types } from 'mongoose';
import Koa from 'koa';
import { fieldCipherFromConfig, useFieldCipher } from './core/crypto/field-cipher.ts';
import compress from 'koa-compress';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Connection } from 'mongoose';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/index.ts';
import { identify } from './core/auth/authenticator.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { pingDatabase } from './core/db/connect.ts';
import { defineLockModel, Locks } from './core/db/locks.ts';
import { runMigrations } from './core/db/migrations.ts';
import { migrations } from './migrations/index.ts';
import { AppError } from './core/errors.ts';
import type { KemaiState } from './core/http/context.ts';
import { errorHandler } from './core/http/errors.ts';
import { requestContext } from './core/http/request-context.ts';
import { securityHeaders } from './core/http/security.ts';
import { refuseOperators, sameOriginForCookies } from './core/http/input-guard.ts';
import { limitSignIns } from './core/http/login-limit.ts';
import { staticApp } from './core/http/static-app.ts';
import { createLogger, type Logger } from './core/logger.ts';
import { defineDeliveryModel } from './modules/cards/delivery.model.ts';
import { CardService } from './modules/cards/card.service.ts';
import { definePendingCardModel } from './modules/cards/pending-card.model.ts';
import { defineSequenceModel } from './core/db/sequence.ts';
import { defineApprovalFlowModel } from './modules/approvals/approval-flow.model.ts';
import { defineApprovalModel } from './modules/approvals/approval.model.ts';
import { approvalRoutes } from './modules/approvals/approval.routes.ts';
import { ApprovalService } from './modules/approvals/approval.service.ts';
import { defineContractModel } from './modules/contracts/contract.model.ts';
import { contractRoutes } from './modules/contracts/contract.routes.ts';
import { ContractService } from './modules/contracts/contract.service.ts';
import { defineOrderModel } from './modules/contracts/order.model.ts';
import { OrderService } from './modules/contracts/order.service.ts';
import { definePaymentModel } from './modules/contracts/payment.model.ts';
import { PaymentService } from './modules/contracts/payment.service.ts';
import { defineOpportunityModel } from './modules/opportunities/opportunity.model.ts';
import { opportunityRoutes } from './modules/opportunities/opportunity.routes.ts';
import { OpportunityService } from './modules/opportunities/opportunity.service.ts';
import { defineStageSetModel } from './modules/opportunities/stage-set.model.ts';
import { defineTargetModel } from './modules/targets/target.model.ts';
import { targetRoutes } from './modules/targets/target.routes.ts';
import { TargetService } from './modules/targets/target.service.ts';
import { defineTicketModel } from './modules/tickets/ticket.model.ts';
import { ticketRoutes } from './modules/tickets/ticket.routes.ts';
import { TicketService } from './modules/tickets/ticket.service.ts';
import { defineSegmentModel } from './modules/segments/segment.model.ts';
import { segmentRoutes } from './modules/segments/segment.routes.ts';
import { SegmentService } from './modules/segments/segment.service.ts';
import { defineTagGroupModel } from './modules/tags/tag-group.model.ts';
import { tagRoutes } from './modules/tags/tag.routes.ts';
import { TagService } from './modules/tags/tag.service.ts';
import { defineBehaviourModels } from './modules/behaviour/behaviour.model.ts';
import { behaviourRoutes } from './modules/behaviour/behaviour.routes.ts';
import { BehaviourService } from './modules/behaviour/behaviour.service.ts';
import { defineRateCounterModel, RateLimiter } from './core/db/rate-limit.ts';
import { defineLeadModels } from './modules/leads/lead.model.ts';
import { leadRoutes, publicFormRoutes } from './modules/leads/lead.routes.ts';
import { LeadService } from './modules/leads/lead.service.ts';
import { createTransport } from 'nodemailer';
import { defineCampaignModels } from './modules/campaigns/campaign.model.ts';
import { campaignLinkRoutes, campaignRoutes } from './modules/campaigns/campaign.routes.ts';
import { CampaignService } from './modules/campaigns/campaign.service.ts';
import { defineDailyStatModel } from './modules/stats/daily-stat.model.ts';
import { StatsService } from './modules/stats/stats.service.ts';
import { reportRoutes } from './modules/reports/report.routes.ts';
import { ReportService } from './modules/reports/report.service.ts';
import { DevPlatform } from './platforms/dev/dev-platform.ts';
import { defineOutboxModel } from './platforms/dev/outbox.model.ts';
import { devOutboxRoutes } from './platforms/dev/outbox.routes.ts';
import { defineProcessedEventModel, EventDispatcher } from './platforms/dispatcher.ts';
import type { ChatPlatform } from './platforms/types.ts';
import { WeComApi } from './platforms/wecom/api.ts';
import { DingTalkApi } from './platforms/dingtalk/api.ts';
import { DingTalkPlatform, dingtalkLink } from './platforms/dingtalk/dingtalk-platform.ts';
import { dingtalkRoutes } from './platforms/dingtalk/dingtalk.routes.ts';
import { DingTalkStream } from './platforms/dingtalk/stream.ts';
import { CallbackGuard, defineUsedNonceModel } from './platforms/wecom/callback-guard.ts';
import { defineOAuthStateModel } from './platforms/wecom/oauth-state.model.ts';
import { WeComPlatform } from './platforms/wecom/wecom-platform.ts';
import { wecomRoutes } from './platforms/wecom/wecom.routes.ts';
import { authRoutes } from './modules/auth/auth.routes.ts';
import { AuthService } from './modules/auth/auth.service.ts';
import { defineSessionModel } from './modules/auth/session.model.ts';
import { healthRoutes, type ReadinessCheck } from './modules/health/health.routes.ts';
import { createMetrics, type AppMetrics } from './modules/metrics/metrics.registry.ts';
import { metricsRoutes } from './modules/metrics/metrics.routes.ts';
import { defineDepartmentModel } from './modules/org/department.model.ts';
import { orgRoutes } from './modules/org/org.routes.ts';
import { orgAdminRoutes } from './modules/org/org-admin.routes.ts';
import { OrgAdminService } from './modules/org/org-admin.service.ts';
import { Handover } from './modules/org/handover.ts';
import { OrgSyncService } from './modules/org/org-sync.service.ts';
import { BotService } from './modules/bot/bot.service.ts';
import { defineAlertModel, defineRuleModel, defineSnoozeModel } from './modules/rules/rule.model.ts';
import { rulesRoutes } from './modules/rules/rules.routes.ts';
import { RulesService } from './modules/rules/rules.service.ts';
import { OrgService } from './modules/org/org.service.ts';
import { defineUserModel } from './modules/org/user.model.ts';
import type { Db } from 'mongodb';
import { defineAuditModel } from './modules/audit/audit.model.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { settingChange } from './modules/audit/setting-change.ts';
import { AuditService } from './modules/audit/audit.service.ts';
import { defineContactModel } from './modules/contacts/contact.model.ts';
import { contactRoutes } from './modules/contacts/contact.routes.ts';
import { ContactService } from './modules/contacts/contact.service.ts';
import { defineClaimCounterModel } from './modules/customers/claim-counter.model.ts';
import { defineCustomerModel } from './modules/customers/customer.model.ts';
import { customerRoutes } from './modules/customers/customer.routes.ts';
import { CustomerService } from './modules/customers/customer.service.ts';
import { definePoolModel } from './modules/customers/pool.model.ts';
import { PoolService } from './modules/customers/pool.service.ts';
import { defineDictionaryModel } from './modules/dictionaries/dictionary.model.ts';
import { dictionaryRoutes } from './modules/dictionaries/dictionary.routes.ts';
import { DictionaryService } from './modules/dictionaries/dictionary.service.ts';
import { GridFsStorage } from './modules/files/file-storage.ts';
import { fileRoutes } from './modules/files/file.routes.ts';
import { FileService } from './modules/files/file.service.ts';
import { defineFollowUpModel } from './modules/follow-ups/follow-up.model.ts';
import { followUpRoutes } from './modules/follow-ups/follow-up.routes.ts';
import { FollowUpService } from './modules/follow-ups/follow-up.service.ts';
import { exportRoutes } from './modules/exports/export.routes.ts';
import { ExportService } from './modules/exports/export.service.ts';
import { regionRoutes } from './modules/standards/region.routes.ts';
import { DuplicateService } from './modules/duplicates/duplicate.service.ts';
import { customerLink } from './core/db/customer-links.ts';
import { defineMergeModels } from './modules/duplicates/merge.model.ts';
import { defineDuplicatePairModel } from './modules/duplicates/pair.model.ts';
import { duplicateRoutes } from './modules/duplicates/duplicate.routes.ts';
import { defineQualitySnapshotModel } from './modules/quality/quality-snapshot.model.ts';
import { qualityRoutes } from './modules/quality/quality.routes.ts';
import { QualityService } from './modules/quality/quality.service.ts';
import { mergeRoutes } from './modules/duplicates/merge.routes.ts';
import { MergeService } from './modules/duplicates/merge.service.ts';
import { defineImportModels } from './modules/imports/import.model.ts';
import { importRoutes } from './modules/imports/import.routes.ts';
import { ImportService } from './modules/imports/import.service.ts';
import { searchRoutes } from './modules/search/search.routes.ts';
import { defineRoleModel } from './modules/roles/role.model.ts';
import { roleRoutes } from './modules/roles/role.routes.ts';
import { RoleService } from './modules/roles/role.service.ts';
import { defineSettingsModel } from './modules/settings/settings.model.ts';
import { settingsRoutes } from './modules/settings/settings.routes.ts';
import { PlatformConnectionService } from './modules/settings/platform-connections.ts';
import { SettingsService } from './modules/settings/settings.service.ts';
import { defineTimelineModel } from './modules/timeline/timeline.model.ts';
import { timelineRoutes } from './modules/timeline/timeline.routes.ts';
import { defineApiTokenModel } from './modules/api-tokens/api-token.model.ts';
import { apiTokenRoutes } from './modules/api-tokens/api-token.routes.ts';
import { ApiTokenService } from './modules/api-tokens/api-token.service.ts';
import { ExternalIdIndex } from './core/db/external-ids.ts';
import { openApiRoutes } from './modules/open-api/open-api.routes.ts';
import { TimelineService } from './modules/timeline/timeline.service.ts';
import { defineWebhookModels } from './modules/webhooks/webhook.model.ts';
import { webhookRoutes } from './modules/webhooks/webhook.routes.ts';
import { WebhookService } from './modules/webhooks/webhook.service.ts';
import { TargetGuard } from './modules/webhooks/target-guard.ts';

export const defaultH5Dist = fileURLToPath(new URL('../../h5/dist', import.meta.url));

export interface AppDeps {
  config: Config;
  logger: Logger;
  connection: Connection;
  sessionSecret: string;
  clock?: Clock;
  h5DistDir?: string;
  /** extra readiness checks (e.g. a platform connection), shown in /readyz */
  readinessChecks?: Record<string, ReadinessCheck>;
}

export function buildModels(connection: Connection) {
  return {
    departments: defineDepartmentModel(connection),
    users: defineUserModel(connection),
    sessions: defineSessionModel(connection),
    roles: defineRoleModel(connection),
    dictionaries: defineDictionaryModel(connection),
    settings: defineSettingsModel(connection),
    customers: defineCustomerModel(connection),
    pools: definePoolModel(connection),
    claimCounters: defineClaimCounterModel(connection),
    contacts: defineContactModel(connection),
    followUps: defineFollowUpModel(connection),
    audit: defineAuditModel(connection),
    timeline: defineTimelineModel(connection),
    locks: defineLockModel(connection),
    outbox: defineOutboxModel(connection),
    deliveries: defineDeliveryModel(connection),
    processedEvents: defineProcessedEventModel(connection),
    oauthStates: defineOAuthStateModel(connection),
    wecomNonces: defineUsedNonceModel(connection),
    pendingCards: definePendingCardModel(connection),
    rules: defineRuleModel(connection),
    alerts: defineAlertModel(connection),
    snoozes: defineSnoozeModel(connection),
    sequences: defineSequenceModel(connection),
    contracts: defineContractModel(connection),
    approvals: defineApprovalModel(connection),
    approvalFlows: defineApprovalFlowModel(connection),
    payments: definePaymentModel(connection),
    orders: defineOrderModel(connection),
    stageSets: defineStageSetModel(connection),
    opportunities: defineOpportunityModel(connection),
    targets: defineTargetModel(connection),
    tickets: defineTicketModel(connection),
    tagGroups: defineTagGroupModel(connection),
    segments: defineSegmentModel(connection),
    ...defineBehaviourModels(connection),
    ...defineLeadModels(connection),
    rateCounters: defineRateCounterModel(connection),
    ...defineCampaignModels(connection),
    ...defineImportModels(connection),
    ...defineMergeModels(connection),
    duplicatePairs: defineDuplicatePairModel(connection),
    qualitySnapshots: defineQualitySnapshotModel(connection),
    dailyStats: defineDailyStatModel(connection),
    ...defineWebhookModels(connection),
    apiTokens: defineApiTokenModel(connection),
  };
}

export type Models = ReturnType<typeof buildModels>;

export function buildServices(models: Models, deps: Pick<AppDeps, 'config' | 'sessionSecret' | 'clock'> & { db: Db; logger?: Logger }) {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger({ level: 'silent' });
  const org = new OrgService({ departments: models.departments, users: models.users });
  const audit = new AuditService({ audit: models.audit, clock });
  // the listener of domain events, built first so every service that publishes can be given it
  const webhooks = new WebhookService({
    models,
    audit,
    org,
    // cards are built further down; the notice is only sent long after this function has returned
    notices: { send: (card, userIds) => cards.send(card, userIds) },
    guard: new TargetGuard(deps.config.WEBHOOK_ALLOW_PRIVATE_TARGETS),
    clock,
    logger,
    timeoutMs: deps.config.WEBHOOK_TIMEOUT_MS,
  });
  const roles = new RoleService({ roles: models.roles, users: models.users, audit, clock });
  const auth = new AuthService({
    roles,
    sessions: models.sessions,
    org,
    clock,
    secret: deps.sessionSecret,
    ttlHours: deps.config.SESSION_TTL_HOURS,
    // service staff reach the customers of the tickets assigned to them
    serviceCustomers: async (userId) =>
      [...new Set((await models.tickets.find({ assigneeId: new Types.ObjectId(userId) }, { customerId: 1 }).lean()).map((t) => t.customerId.toHexString()))],
  });
  const dictionaries = new DictionaryService({ dictionaries: models.dictionaries, clock });
  const settings = new SettingsService({ settings: models.settings, clock });
  const timeline = new TimelineService({ timeline: models.timeline, clock });
  const stats = new StatsService({
    stats: models.dailyStats,
    sources: { customers: models.customers, followUps: models.followUps, contracts: models.contracts, payments: models.payments, opportunities: models.opportunities, timeline: models.timeline },
    org,
    logger,
  });
  const customers = new CustomerService({
    customers: models.customers,
    locks: new Locks(models.locks),
    pools: models.pools,
    org,
    dictionaries,
    audit,
    timeline,
    stats,
    clock,
    events: webhooks,
  });
  const pool = new PoolService({
    customers,
    customerModel: models.customers,
    pools: models.pools,
    claimCounters: models.claimCounters,
    settings,
    org,
    audit,
    timeline,
    stats,
    clock,
  });
  const contacts = new ContactService({ contacts: models.contacts, customers, audit, timeline, clock });
  const fileStorage = new GridFsStorage(deps.db);
  const files = new FileService({ storage: fileStorage, customers, maxBytes: deps.config.UPLOAD_MAX_BYTES });
  const followUps = new FollowUpService({
    followUps: models.followUps,
    customers,
    dictionaries,
    files,
    org,
    audit,
    timeline,
    clock,
    contacts,
    stats,
    events: webhooks,
  });
  // the chat platforms: WeCom and/or DingTalk when their credentials are configured, else the dev outbox
  const config = deps.config;
  const wecomApi =
    config.WECOM_CORP_ID && config.WECOM_AGENT_ID && config.WECOM_SECRET
      ? new WeComApi({ corpId: config.WECOM_CORP_ID, agentId: config.WECOM_AGENT_ID, secret: config.WECOM_SECRET, apiBase: config.WECOM_API_BASE })
      : null;
  const wecomLink = (path: string) => `${config.PUBLIC_URL}/api/platform/wecom/login?redirect=${encodeURIComponent(`#${path}`)}`;
  const dingtalkApi =
    config.DINGTALK_CLIENT_ID && config.DINGTALK_CLIENT_SECRET
      ? new DingTalkApi({
          clientId: config.DINGTALK_CLIENT_ID,
          clientSecret: config.DINGTALK_CLIENT_SECRET,
          robotCode: config.DINGTALK_ROBOT_CODE ?? config.DINGTALK_CLIENT_ID,
          corpId: config.DINGTALK_CORP_ID ?? '',
          apiBase: config.DINGTALK_API_BASE,
          oapiBase: config.DINGTALK_OAPI_BASE,
        })
      : null;
  const wecom = wecomApi ? new WeComPlatform({ api: wecomApi, link: wecomLink }) : null;
  const dingtalk = dingtalkApi
    ? new DingTalkPlatform({
        api: dingtalkApi,
        link: dingtalkLink(`${config.PUBLIC_URL}`),
        cardTemplateId: config.DINGTALK_CARD_TEMPLATE_ID ?? null,
        cardTemplates: config.DINGTALK_CARD_TEMPLATES,
      })
    : null;
  const chatPlatforms: ChatPlatform[] = [wecom, dingtalk].filter((p) => p !== null);
  const platforms: ChatPlatform[] = chatPlatforms.length > 0 ? chatPlatforms : [new DevPlatform({ outbox: models.outbox, clock })];
  const dispatcher = new EventDispatcher({ processed: models.processedEvents, logger, seen: (userId, platform) => org.markPlatformUsed(userId, platform) });
  const cards = new CardService({
    locks: new Locks(models.locks),
    deliveries: models.deliveries,
    pending: models.pendingCards,
    platforms,
    prefer: config.CARD_PLATFORM === 'last-used' ? null : config.CARD_PLATFORM,
    org,
    clock,
    logger,
  });
  cards.registerActions(dispatcher);
  new BotService({ auth, customers, cards, clock }).register(dispatcher);
  const contracts = new ContractService({ contracts: models.contracts, sequences: models.sequences, customers, files, org, audit, timeline, stats, clock });
  const opportunities = new OpportunityService({ opportunities: models.opportunities, stageSets: models.stageSets, customers, contracts, dictionaries, org, audit, timeline, stats, clock, events: webhooks });
  const rules = new RulesService({ rules: models.rules, alerts: models.alerts, snoozes: models.snoozes, customers, contacts, followUps, pool, contracts, opportunities, timeline, cards, org, clock, logger });
  rules.registerActions(dispatcher);
  const dingtalkStream = dingtalk
    ? new DingTalkStream(
        { clientId: dingtalkApi!.credentials.clientId, clientSecret: dingtalkApi!.credentials.clientSecret, apiBase: config.DINGTALK_API_BASE },
        { dispatcher, org, cards, platform: dingtalk, logger },
      )
    : null;
  const payments = new PaymentService({ payments: models.payments, contractModel: models.contracts, contracts, customers, dictionaries, org, audit, timeline, stats, clock, events: webhooks });
  const orders = new OrderService({ orders: models.orders, customers, contracts, dictionaries, timeline, clock });
  const approvals = new ApprovalService({ approvals: models.approvals, flows: models.approvalFlows, contracts, customers, cards, org, audit, timeline, clock, logger, events: webhooks });
  approvals.registerActions(dispatcher);
  const targets = new TargetService({ targets: models.targets, stats: models.dailyStats, org });
  const tickets = new TicketService({ tickets: models.tickets, sequences: models.sequences, customers, contacts, dictionaries, files, cards, org, timeline, clock, events: webhooks });
  const tags = new TagService({ groups: models.tagGroups, customerModel: models.customers, customers, audit, auditModel: models.audit, org });
  const segments = new SegmentService({ segments: models.segments, customers, payments: models.payments, orders: models.orders, events: models.events, clock });
  const limiter = new RateLimiter({ counters: models.rateCounters, clock });
  const leads = new LeadService({
    models: { leadEntries: models.leadEntries, leadRules: models.leadRules, leadForms: models.leadForms },
    users: models.users,
    customerModel: models.customers,
    customers,
    pool,
    settings,
    cards,
    org,
    timeline,
    locks: new Locks(models.locks),
    clock,
    logger,
    events: webhooks,
  });
  const behaviour = new BehaviourService({
    models: { trackingSites: models.trackingSites, events: models.events, eventDaily: models.eventDaily, visitors: models.visitors },
    limiter,
    customerModel: models.customers,
    contactModel: models.contacts,
    customers,
    alerts: rules,
    org,
    clock,
    logger,
    secret: deps.sessionSecret,
    ratePerMinute: config.TRACK_RATE_PER_MINUTE,
    retentionDays: config.TRACK_RETENTION_DAYS,
  });
  const campaigns = new CampaignService({
    locks: new Locks(models.locks),
    models: { campaigns: models.campaigns, participants: models.participants, campaignMessages: models.campaignMessages, campaignSends: models.campaignSends, unsubscribes: models.unsubscribes },
    customerModel: models.customers,
    contactModel: models.contacts,
    opportunities: models.opportunities,
    leads: models.leadEntries,
    customers,
    segments,
    cards,
    timeline,
    mailer: config.SMTP_HOST
      ? {
          transport: createTransport({
            host: config.SMTP_HOST,
            port: config.SMTP_PORT,
            secure: config.SMTP_SECURE,
            ...(config.SMTP_USER ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASS ?? '' } } : {}),
          }),
          from: config.SMTP_FROM ?? config.SMTP_USER ?? 'kemai@localhost',
          perMinute: config.MAIL_RATE_PER_MINUTE,
        }
      : null,
    sendLeaseMs: config.CAMPAIGN_SEND_LEASE_MS,
    publicUrl: config.PUBLIC_URL ?? '',
    clock,
    logger,
  });
  const reports = new ReportService({
    stats: models.dailyStats,
    customerModel: models.customers,
    contractModel: models.contracts,
    paymentModel: models.payments,
    ticketModel: models.tickets,
    tickets,
    customers,
    opportunityModel: models.opportunities,
    opportunities,
    org,
    targets,
    settings,
  });
  const duplicates = new DuplicateService({ customers, pairs: models.duplicatePairs, clock });
  const imports = new ImportService({
    models: { imports: models.imports, importRows: models.importRows, importMappings: models.importMappings },
    storage: fileStorage,
    customers,
    contacts,
    dictionaries,
    duplicates,
    org,
    auth,
    clock,
    logger,
    limits: { maxBytes: config.IMPORT_MAX_BYTES, maxRows: config.IMPORT_MAX_ROWS, leaseMs: config.IMPORT_LEASE_MS, rowsRetentionDays: config.IMPORT_ROWS_RETENTION_DAYS },
  });
  // everything that belongs to a customer by its id moves with a merge
  const customerLinks = [
    customerLink('contacts', models.contacts),
    customerLink('followUps', models.followUps),
    customerLink('opportunities', models.opportunities),
    customerLink('contracts', models.contracts),
    customerLink('orders', models.orders),
    customerLink('payments', models.payments),
    customerLink('approvals', models.approvals),
    customerLink('tickets', models.tickets),
    customerLink('timeline', models.timeline),
    customerLink('leadEntries', models.leadEntries),
    customerLink('campaignParticipants', models.participants, { unique: true }),
    customerLink('campaignSends', models.campaignSends),
    customerLink('behaviourEvents', models.events),
    customerLink('behaviourDaily', models.eventDaily),
    customerLink('behaviourVisitors', models.visitors),
    fileStorage.customerLink(),
  ];
  const merges = new MergeService({ models: { merges: models.merges, mergeMoves: models.mergeMoves }, customers, contacts, duplicates, links: customerLinks, audit, timeline, clock, events: webhooks });
  const quality = new QualityService({ customers, contacts, bounces: campaigns, duplicates, org, snapshots: models.qualitySnapshots, clock });
  const handover = new Handover({ pool, contracts, approvals, opportunities: models.opportunities, tickets: models.tickets, org, clock });
  const orgAdmin = new OrgAdminService({ users: models.users, departments: models.departments, org, roles, handover, audit });
  const platformConnections = new PlatformConnectionService({
    config,
    wecom: wecomApi,
    dingtalk: dingtalkApi,
    streamConnected: () => (dingtalkStream ? dingtalkStream.connected : null),
    settings: models.settings,
    audit,
    clock,
  });
  const orgSync = new OrgSyncService({ platforms, departments: models.departments, users: models.users, org, handover, logger, recordSync: (result) => platformConnections.recordSync(result) });
  const apiTokens = new ApiTokenService({ tokens: models.apiTokens, auth, org, roles, audit, clock });
  // the records integrations upsert by their ids in other systems (the open API)
  const externalIds = new ExternalIdIndex({ customers: models.customers, contacts: models.contacts, opportunities: models.opportunities, contracts: models.contracts, orders: models.orders, payments: models.payments } as never, new Locks(models.locks));
  const exports = new ExportService({ customers, contacts, followUps, dictionaries, audit, clock, maxRows: config.EXPORT_MAX_ROWS });
  return { clock, org, orgAdmin, platformConnections, roles, auth, dictionaries, settings, audit, timeline, customers, pool, contacts, files, followUps, exports, duplicates, imports, merges, quality, fileStorage, platforms, wecom, wecomApi, dingtalk, dispatcher, cards, orgSync, rules, dingtalkStream, contracts, approvals, payments, orders, opportunities, targets, tickets, tags, segments, behaviour, leads, limiter, campaigns, stats, reports, webhooks, apiTokens, externalIds };
}

export type Services = ReturnType<typeof buildServices>;

export interface KemaiApp {
  koa: Koa<KemaiState>;
  models: Models;
  services: Services;
  /** the open API's /api/v1 router (its layers are what openapi.json documents) and document */
  openApi: { router: Router<KemaiState>; document: unknown };
  /** the Prometheus registry behind /metrics, and the observer main.ts gives the job runner */
  metrics: AppMetrics;
  /** applies the data migrations (server/src/migrations/) this database lacks, one process at a time */
  migrate(): Promise<{ applied: string[] }>;
  /** creates every declared index; awaited before the server takes traffic */
  ensureIndexes(): Promise<void>;
  /** dictionaries and the default pool every company needs; safe to run on every start */
  seedReferenceData(): Promise<void>;
  /** from now on /readyz answers 503 so load balancers stop sending traffic */
  markShuttingDown(): void;
  /** every method and path under /api, read from the router (route-walking tests) */
  apiRoutes(): { method: string; path: string }[];
}

export function buildApp(deps: AppDeps): KemaiApp {
  // before any model reads or writes: phones and emails are encrypted with these keys
  useFieldCipher(fieldCipherFromConfig(deps.config));
  const models = buildModels(deps.connection);
  const services = buildServices(models, { ...deps, db: deps.connection.db! });
  const platformRoutes = [];
  if (services.platforms.some((p) => p instanceof DevPlatform)) platformRoutes.push(devOutboxRoutes({ outbox: models.outbox, dispatcher: services.dispatcher }));
  if (services.dingtalk) {
    platformRoutes.push(
      dingtalkRoutes({
        platform: services.dingtalk,
        auth: services.auth,
        org: services.org,
        corpId: deps.config.DINGTALK_CORP_ID ?? '',
        clientId: deps.config.DINGTALK_CLIENT_ID ?? '',
      }),
    );
  }
  if (services.wecom && services.wecomApi && deps.config.WECOM_TOKEN && deps.config.WECOM_ENCODING_AES_KEY) {
    platformRoutes.push(
      wecomRoutes({
        api: services.wecomApi,
        platform: services.wecom,
        guard: new CallbackGuard({
          token: deps.config.WECOM_TOKEN,
          encodingAesKey: deps.config.WECOM_ENCODING_AES_KEY,
          corpId: services.wecomApi.credentials.corpId,
          windowSeconds: deps.config.WECOM_CALLBACK_WINDOW_SECONDS,
          nonces: models.wecomNonces,
        }),
        states: models.oauthStates,
        auth: services.auth,
        org: services.org,
        dispatcher: services.dispatcher,
        logger: deps.logger,
        publicUrl: deps.config.PUBLIC_URL,
        oauthBase: deps.config.WECOM_OAUTH_BASE,
      }),
    );
  }
  let shuttingDown = false;

  const koa = new Koa<KemaiState>({ proxy: deps.config.TRUST_PROXY });
  koa.silent = true; // errors are logged by our handler, with the request id

  const api = new Router<KemaiState>({ prefix: '/api' });
  const audited = settingChange(services.audit);
  const routers = [
    authRoutes({ auth: services.auth, org: services.org, devLogin: deps.config.DEV_LOGIN }),
    orgRoutes(services.org, services.orgSync),
    orgAdminRoutes(services.orgAdmin),
    dictionaryRoutes(services.dictionaries, audited),
    settingsRoutes(services.settings, services.platformConnections, audited),
    roleRoutes(services.roles),
    apiTokenRoutes(services.apiTokens),
    regionRoutes(),
    customerRoutes(services.customers, services.pool),
    contactRoutes(services.contacts),
    followUpRoutes(services.followUps),
    timelineRoutes({ timeline: services.timeline, customers: services.customers, org: services.org }),
    auditRoutes({ audit: services.audit, customers: services.customers, org: services.org }),
    searchRoutes({ customers: services.customers, contacts: services.contacts }),
    rulesRoutes(services.rules, audited),
    contractRoutes(services.contracts, services.payments, services.orders),
    approvalRoutes(services.approvals, audited),
    opportunityRoutes(services.opportunities),
    targetRoutes(services.targets),
    ticketRoutes(services.tickets),
    tagRoutes(services.tags),
    segmentRoutes(services.segments),
    behaviourRoutes(services.behaviour),
    leadRoutes(services.leads, audited),
    campaignRoutes(services.campaigns),
    reportRoutes(services.reports, services.stats, services.clock),
    fileRoutes(services.files),
    exportRoutes(services.exports),
    importRoutes(services.imports, deps.logger),
    mergeRoutes(services.merges),
    duplicateRoutes(services.duplicates),
    qualityRoutes(services.quality),
    webhookRoutes(services.webhooks),
    ...platformRoutes,
  ];
  for (const router of routers) api.use(router.routes(), router.allowedMethods());
  api.all('/{*rest}', () => {
    throw new AppError('NOT_FOUND', { messageKey: 'error.route.notFound' });
  });

  const stream = services.dingtalkStream;
  const health = healthRoutes({
    checks: {
      database: () => pingDatabase(deps.connection),
      // the Stream connection brings DingTalk's clicks and messages: without it the bot is deaf
      ...(stream ? { 'dingtalk-stream': async () => stream.connected } : {}),
      ...deps.readinessChecks,
    },
    isShuttingDown: () => shuttingDown,
  });

  // outermost: counts every request, including the ones answered with an error
  const metrics = createMetrics({ queues: models, logger: deps.logger });
  koa.use(metrics.http);
  // draining on SIGTERM: each answer closes its connection, so keep-alive clients reconnect elsewhere
  koa.use(async (ctx, next) => {
    if (shuttingDown) ctx.set('Connection', 'close');
    await next();
  });
  koa.use(requestContext(deps.logger));
  koa.use(compress({ threshold: 1024 }));
  koa.use(errorHandler());
  koa.use(securityHeaders());
  koa.use(health.routes());
  koa.use(metricsRoutes({ registry: metrics.registry, token: deps.config.METRICS_TOKEN }).routes());
  koa.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: `${deps.config.BODY_LIMIT_KB}kb`,
      onError: (error) => {
        throw error; // handled by errorHandler: 413 or invalid JSON, as VALIDATION
      },
    }),
  );
  koa.use(refuseOperators());
  koa.use(limitSignIns({ limiter: services.limiter, perMinute: deps.config.LOGIN_RATE_PER_MINUTE }));
  koa.use(sameOriginForCookies(deps.config.PUBLIC_URL));
  koa.use(identify(services.auth));
  // public lead forms live outside /api: a plain page people open from an ad or a poster
  const forms = publicFormRoutes({ leads: services.leads, limiter: services.limiter, perMinute: deps.config.FORM_RATE_PER_MINUTE });
  koa.use(forms.routes());
  koa.use(campaignLinkRoutes(services.campaigns).routes());
  // /api/v1 answers to API tokens only; mounted before /api, whose catch-all would answer first
  const openApi = openApiRoutes({ ...services, perMinute: deps.config.API_RATE_PER_MINUTE });
  koa.use(openApi.docs.routes());
  koa.use(openApi.router.routes());
  koa.use(api.routes());
  koa.use(api.allowedMethods({ throw: true }));
  const app = staticApp(deps.h5DistDir ?? defaultH5Dist);
  if (app) koa.use(app);

  return {
    koa,
    models,
    services,
    openApi,
    metrics,
    migrate() {
      return runMigrations({ connection: deps.connection, migrations, context: { db: deps.connection.db!, models, logger: deps.logger }, logger: deps.logger });
    },
    async ensureIndexes() {
      await Promise.all(Object.values(models).map((model) => model.createIndexes()));
      await services.fileStorage.ensureIndexes();
    },
    async seedReferenceData() {
      await services.dictionaries.seedDefaults();
      await services.pool.ensureDefaultPool();
      await services.rules.seedDefaults();
      await services.approvals.seedDefaults();
      await services.opportunities.seedDefaults();
      await services.tags.seedDefaults();
    },
    markShuttingDown() {
      shuttingDown = true;
    },
    apiRoutes() {
      return api.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, path: String(layer.path) })));
    },
  };
}
