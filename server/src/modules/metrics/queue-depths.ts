// What is waiting, counted when Prometheus scrapes: each count is served by an index (or, for the
// card queue, whose every document is waiting, by the collection's metadata), so a scrape stays
// cheap however large the collections grow.
import type { Models } from '../../app.ts';

export type QueueName = 'card_deliveries' | 'webhook_deliveries' | 'campaign_sends' | 'imports';

type QueueModels = Pick<Models, 'pendingCards' | 'webhookDeliveries' | 'campaignSends' | 'imports'>;

export async function queueDepths(models: QueueModels): Promise<Record<QueueName, number>> {
  const [cards, webhooks, sends, imports] = await Promise.all([
    // a card leaves pendingCards when it is sent or given up on: everything there is waiting
    models.pendingCards.estimatedDocumentCount(),
    // pending covers waiting and retrying; paused ones wait for an admin, not for a worker
    models.webhookDeliveries.countDocuments({ status: 'pending' }),
    models.campaignSends.countDocuments({ status: 'queued' }),
    // imports a worker has to carry on with; 'ready' ones wait for a person's decisions
    models.imports.countDocuments({ status: { $in: ['analysing', 'committing'] } }),
  ]);
  return { card_deliveries: cards, webhook_deliveries: webhooks, campaign_sends: sends, imports };
}
