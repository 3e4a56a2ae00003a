// The bot in chat: "查 <name or phone>" finds customers within the sender's scope, "今日" lists
// today's follow-ups, anything else gets the help card. Replies are cards to the sender.
import { createHash } from 'node:crypto';
import type { Card } from '../../../../bot-cards/index.ts';
import { dayMs, startOfBusinessDay } from '../../core/calendar.ts';
import type { Clock } from '../../core/clock.ts';
import type { EventDispatcher } from '../../platforms/dispatcher.ts';
import type { PlatformEvent } from '../../platforms/types.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { CardService } from '../cards/card.service.ts';
import type { CustomerService } from '../customers/customer.service.ts';

type BotMessage = Extract<PlatformEvent, { type: 'bot.message' }>;

export class BotService {
  private readonly deps: { auth: AuthService; customers: CustomerService; cards: CardService; clock: Clock };

  constructor(deps: BotService['deps']) {
    this.deps = deps;
  }

  register(dispatcher: EventDispatcher): void {
    dispatcher.onBotMessage((event) => this.reply(event));
  }

  async answer(event: BotMessage): Promise<Card['data'] | null> {
    const scope = await this.deps.auth.scopeFor(event.userId);
    if (!scope) return null;
    const text = event.text.normalize('NFKC').trim();
    const lookup = /^查\s*(.+)$/.exec(text);
    if (lookup) {
      const query = lookup[1]!.trim().slice(0, 50);
      const found = await this.deps.customers.list(scope, { keyword: query, sort: 'updated', limit: 5 });
      return {
        kind: 'customerLookup',
        query,
        customers: found.items.map((c) => ({ id: c.id, name: c.name, stage: c.stage, owner: c.owner?.name ?? '公海' })),
        total: found.items.length + (found.nextCursor ? 1 : 0),
      };
    }
    if (/^(今日|今天|today)$/i.test(text)) {
      const startOfToday = startOfBusinessDay(this.deps.clock.now());
      const endOfToday = new Date(startOfToday.getTime() + dayMs - 1);
      const due = await this.deps.customers.list(scope, { owner: scope.user.id, dueBefore: endOfToday, sort: 'lastFollowUp', limit: 5 });
      return {
        kind: 'followUpDue',
        items: due.items.map((c) => ({ id: c.id, name: c.name, dueAt: String(c.nextFollowUpAt), overdue: !!c.nextFollowUpAt && c.nextFollowUpAt < startOfToday })),
        total: due.items.length + (due.nextCursor ? 1 : 0),
      };
    }
    return { kind: 'botHelp' };
  }

  private async reply(event: BotMessage): Promise<void> {
    const data = await this.answer(event);
    if (!data) return;
    const id = `bot-${createHash('sha1').update(event.key).digest('hex').slice(0, 32)}`;
    await this.deps.cards.send({ id, data }, [event.userId]);
  }
}
