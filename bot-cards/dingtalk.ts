// Card → DingTalk interactive-card data: every cardParamMap value is a string (K5 sends it with
// card/instances/createAndDeliver).
import { cardView } from './view.ts';
import type { Card, RenderOptions } from './types.ts';

export interface DingTalkCardData {
  outTrackId: string;
  cardParamMap: Record<string, string>;
}

export function renderDingTalk(card: Card, options: RenderOptions): DingTalkCardData {
  const view = cardView(card, options.locale);
  return {
    outTrackId: card.id,
    cardParamMap: {
      title: view.title,
      description: view.description,
      lines: JSON.stringify(view.lines.map((line) => ({ text: line.text, url: line.path ? options.link(line.path) : '' }))),
      url: options.link(view.path),
      buttons: JSON.stringify(
        view.outcome || options.outcome ? [] : view.buttons.map((b) => ({ action: b.action, text: b.text, style: b.style, url: b.path ? options.link(b.path) : '' })),
      ),
      status: options.outcome?.text ?? '',
    },
  };
}
