// The API's JSON, typed from the server's own view functions (types only: nothing of the server is
// bundled). Dates arrive as ISO strings.
import type { CustomerView } from '../../../server/src/modules/customers/customer.view.ts';
import type { PublicUser } from '../../../server/src/modules/org/org.service.ts';
import type { Permission } from '../../../server/src/core/auth/permissions.ts';
import type { FollowUpService } from '../../../server/src/modules/follow-ups/follow-up.service.ts';
import type { ContactService } from '../../../server/src/modules/contacts/contact.service.ts';
import type { DuplicateMatch } from '../../../server/src/modules/customers/customer.service.ts';
import type { Dictionary } from '../../../server/src/modules/dictionaries/dictionary.model.ts';
import type { RegionNode } from '../../../server/src/modules/standards/regions.ts';
import type { CreateCustomerInput } from '../../../server/src/modules/customers/customer.input.ts';
import type { CreateFollowUpInput } from '../../../server/src/modules/follow-ups/follow-up.service.ts';
import type { ContractService } from '../../../server/src/modules/contracts/contract.service.ts';
import type { ApprovalService } from '../../../server/src/modules/approvals/approval.service.ts';
import type { OpportunityService } from '../../../server/src/modules/opportunities/opportunity.service.ts';
import type { PaymentService } from '../../../server/src/modules/contracts/payment.service.ts';
import type { TargetService } from '../../../server/src/modules/targets/target.service.ts';
import type { TicketService } from '../../../server/src/modules/tickets/ticket.service.ts';
import type { TagService } from '../../../server/src/modules/tags/tag.service.ts';
import type { TagGroup as TagGroupRecord } from '../../../server/src/modules/tags/tag-group.model.ts';
import type { SegmentService } from '../../../server/src/modules/segments/segment.service.ts';
import type { SegmentFilter as SegmentFilterInput } from '../../../server/src/modules/segments/segment.model.ts';
import type { BehaviourService } from '../../../server/src/modules/behaviour/behaviour.service.ts';
import type { ReportService } from '../../../server/src/modules/reports/report.service.ts';
import type { CaptureResult, LeadService } from '../../../server/src/modules/leads/lead.service.ts';
import type { Measure } from '../../../server/src/modules/stats/daily-stat.model.ts';
import type { CampaignService } from '../../../server/src/modules/campaigns/campaign.service.ts';
import type { campaignStatuses, campaignTypes } from '../../../server/src/modules/campaigns/campaign.model.ts';
import type { ImportService } from '../../../server/src/modules/imports/import.service.ts';
import type { ImportField } from '../../../server/src/modules/imports/header-mapping.ts';
import type { GroupAction } from '../../../server/src/modules/imports/import.model.ts';
import type { DuplicateService } from '../../../server/src/modules/duplicates/duplicate.service.ts';
import type { MergeService } from '../../../server/src/modules/duplicates/merge.service.ts';
import type { MergeChoiceField } from '../../../server/src/modules/customers/customer-merge.ts';
import type { QualityService } from '../../../server/src/modules/quality/quality.service.ts';

/** What JSON.stringify makes of a server value. */
export type Json<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

export type Customer = Json<CustomerView>;
export type Me = Json<PublicUser> & { permissions: Permission[] };
export type FollowUp = Json<Awaited<ReturnType<FollowUpService['views']>>[number]>;
export type Contact = Json<ReturnType<ContactService['view']>>;
export type Duplicate = DuplicateMatch;
export type DictionaryData = Json<Dictionary>;
export type Region = RegionNode;
export type CustomerInput = Partial<CreateCustomerInput>;
export type Contract = Json<Awaited<ReturnType<ContractService['view']>>>;
export type ContractStatus = Contract['status'];
/** An approval request as lists and the contract's trail show it. */
export type Approval = Json<Awaited<ReturnType<ApprovalService['view']>>>;
/** One request opened on its own page: whether the caller may decide it now. */
export type ApprovalDetail = Json<Awaited<ReturnType<ApprovalService['get']>>>;
export type ApprovalStep = Approval['steps'][number];
export type Opportunity = Json<Awaited<ReturnType<OpportunityService['get']>>>;
export type OpportunityStatus = Opportunity['status'];
export type StageMove = Opportunity['history'][number];
/** The kanban of one stage set: a column per stage with its count and sums. */
export type Board = Json<Awaited<ReturnType<OpportunityService['board']>>>;
export type BoardColumn = Board['columns'][number];
export interface StageSet {
  id: string;
  name: string;
  stages: { key: string; name: string; probability: number; kind: OpportunityStatus }[];
}
/** A stage move's answer: the opportunity, and the contract draft when one was asked for. */
export type MovedOpportunity = Opportunity & { contract?: Contract };
export type Payment = Json<Awaited<ReturnType<PaymentService['list']>>[number]>;
export type TargetProgress = Json<Awaited<ReturnType<TargetService['progress']>>>;
export type TargetMetric = keyof TargetProgress['target'];
export type FollowUpInput = Omit<CreateFollowUpInput, 'nextFollowUpAt' | 'at'> & { nextFollowUpAt?: string | null; at?: string };

/** A service ticket (服务工单) with its handling log. */
export type Ticket = Json<Awaited<ReturnType<TicketService['get']>>>;
export type TicketStatus = Ticket['status'];
export type TicketPriority = Ticket['priority'];
export type TicketStep = Ticket['log'][number];
/** GET /api/tag-groups: the groups with their tags and colours. */
export interface TagGroup {
  id: string;
  name: string;
  multi: boolean;
  tags: TagGroupRecord['tags'];
}
/** One current tag of a customer, with who added it and when. */
export type CustomerTag = Json<Awaited<ReturnType<TagService['history']>>[number]>;
export type BulkTagResult = Awaited<ReturnType<TagService['bulk']>>;
export type Segment = Json<Awaited<ReturnType<SegmentService['get']>>>;
export type SegmentFilter = SegmentFilterInput;
export type Behaviour = Json<Awaited<ReturnType<BehaviourService['forCustomer']>>>;
export type BehaviourType = Behaviour['recent'][number]['type'];

/** 报表: the answers of /api/reports/* (the lists arrive as { items }). */
export type ReportMeasure = Measure;
export type RankingRow = Json<Awaited<ReturnType<ReportService['rankings']>>[number]> & { target?: number | null; completion?: number | null };
export type TrendPoint = Json<Awaited<ReturnType<ReportService['trend']>>[number]>;
export type Funnel = Json<Awaited<ReturnType<ReportService['funnel']>>>;
export type FunnelStage = Funnel['stages'][number];
export type RegionalRow = Json<Awaited<ReturnType<ReportService['regional']>>[number]>;
export type Clv = Json<Awaited<ReturnType<ReportService['clv']>>>;
export type CoverageRow = Json<Awaited<ReturnType<ReportService['coverage']>>[number]>;
export type ServiceReport = Json<Awaited<ReturnType<ReportService['service']>>>;

/** POST /api/leads: what became of a lead; GET /api/leads: the recent ones. */
export type LeadResult = CaptureResult;
export type Lead = Json<Awaited<ReturnType<LeadService['list']>>[number]>;

/** 营销活动: a campaign, who takes part, what inviting answered and what it brought. */
export type Campaign = Json<Awaited<ReturnType<CampaignService['list']>>[number]>;
export type CampaignType = (typeof campaignTypes)[number];
export type CampaignStatus = (typeof campaignStatuses)[number];
export type Participant = Json<Awaited<ReturnType<CampaignService['participants']>>[number]>;
export type ParticipantStatus = Participant['status'];
export type InviteResult = Awaited<ReturnType<CampaignService['invite']>>;
export type CampaignResults = Json<Awaited<ReturnType<CampaignService['results']>>> & { sends: Partial<Record<'queued' | 'sending' | 'sent' | 'failed' | 'skipped', number>> };

/** 客户导入: an import job as the server shows it, one row of its dry run, a saved column mapping. */
export type ImportJob = Json<Awaited<ReturnType<ImportService['get']>>>;
export type ImportStatus = ImportJob['status'];
export type ImportCounts = ImportJob['counts'];
export type ImportRow = Json<Awaited<ReturnType<ImportService['rows']>>['items'][number]>;
export type ImportRowStatus = ImportRow['status'];
export type ImportProblem = ImportRow['errors'][number];
export type ImportMatch = ImportRow['matches'][number];
export type ImportMatchReason = ImportMatch['reasons'][number];
export type ImportMapping = Awaited<ReturnType<ImportService['mappings']>>['items'][number];
export type { ImportField, GroupAction };

/** 重复客户: a pair of the review queue, the merge of two customers and its undo. */
export type DuplicatePair = Json<Awaited<ReturnType<DuplicateService['queue']>>['items'][number]>;
export type ScanResult = Awaited<ReturnType<DuplicateService['scan']>>;
export type MergeRecord = Json<Awaited<ReturnType<MergeService['merge']>>>;
export type { MergeChoiceField };
export type MergeChoices = Partial<Record<MergeChoiceField, 'survivor' | 'merged'>>;

/** 数据质量: completeness, validity and duplicates in the caller's scope, by owner, team and week. */
export type QualityReport = Json<Awaited<ReturnType<QualityService['report']>>>;
export type QualityFigures = QualityReport['total'];
export type QualityField = keyof QualityFigures['completeness'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface TimelineEvent {
  id: string;
  type: string;
  at: string;
  actor: { id: string; name: string } | null;
  data: Record<string, unknown>;
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Someone a service ticket can be assigned to (GET /api/tickets/assignees). */
export interface Assignee {
  id: string;
  name: string;
}
