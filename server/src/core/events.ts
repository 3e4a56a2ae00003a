// Domain events: what happened to a record, published by the services after their write lands.
// Webhook subscriptions are the first listener; a listener's failure never undoes the write.
export const domainEventTypes = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.merged',
  'followup.created',
  'opportunity.stage_changed',
  'contract.approved',
  'contract.rejected',
  'payment.received',
  'ticket.resolved',
  'lead.assigned',
] as const;
export type DomainEventType = (typeof domainEventTypes)[number];

export interface DomainEvent {
  type: DomainEventType;
  /** the record the event is about; deliveries of one entity keep their order */
  entity: 'customer' | 'followup' | 'opportunity' | 'contract' | 'payment' | 'ticket' | 'lead';
  entityId: string;
  /** the record as an integration sees it (no masking: subscriptions are set up by admins) */
  data: Record<string, unknown>;
  occurredAt: Date;
}

export interface EventPublisher {
  publish(events: DomainEvent[]): Promise<void>;
}

/** For services built without listeners (scripts, benchmarks). */
export const noEvents: EventPublisher = { publish: async () => {} };
