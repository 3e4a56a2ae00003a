// Card → WeCom template_card (WC/90236). Cards with buttons are button_interaction cards; the rest
// are text_notice cards. Limits are enforced here so a send never fails on a long name.
import { cardView } from './view.ts';
import type { Card, CardOutcome, RenderOptions } from './types.ts';

export const weComLimits = {
  titleChars: 26,
  descChars: 30,
  subtitleChars: 112,
  horizontalItems: 6,
  keynameChars: 5,
  valueChars: 26,
  jumpItems: 3,
  buttons: 6,
  taskIdBytes: 128,
  keyBytes: 1024,
};

export const taskIdPattern = /^[0-9A-Za-z_\-@]{1,128}$/;

const cut = (value: string, max: number) => ([...value].length > max ? [...value].slice(0, max - 1).join('') + '…' : value);

export interface WeComTemplateCard {
  card_type: 'text_notice' | 'button_interaction';
  source: { desc: string };
  main_title: { title: string; desc: string };
  sub_title_text?: string;
  horizontal_content_list?: { type?: 1; keyname: string; value: string; url?: string }[];
  jump_list?: { type: 1; title: string; url: string }[];
  card_action: { type: 1; url: string };
  task_id?: string;
  button_list?: ({ type: 0; text: string; style: 1 | 2 | 3 | 4; key: string } | { type: 1; text: string; style: 1 | 2 | 3 | 4; url: string })[];
}

export function renderWeCom(card: Card, options: RenderOptions): WeComTemplateCard {
  if (!taskIdPattern.test(card.id)) throw new Error(`card id ${card.id} is not a valid WeCom task_id`);
  const view = cardView(card, options.locale);
  const linked = view.lines.filter((line) => line.path).slice(0, weComLimits.horizontalItems);
  const subtitle = cut(view.lines.map((line) => line.text).join('\n'), weComLimits.subtitleChars);
  const base = {
    source: { desc: options.locale === 'en' ? 'Kemai' : '客脉' },
    main_title: { title: cut(view.title, weComLimits.titleChars), desc: cut(view.description, weComLimits.descChars) },
    ...(subtitle ? { sub_title_text: subtitle } : {}),
    card_action: { type: 1 as const, url: options.link(view.path) },
  };
  if (view.buttons.length > 0) {
    const style = { primary: 1, danger: 2, default: 4 } as const;
    return {
      card_type: 'button_interaction',
      ...base,
      ...(linked.length ? { horizontal_content_list: linked.map((line, i) => horizontal(line, i, options)) } : {}),
      task_id: card.id,
      button_list: view.buttons.slice(0, weComLimits.buttons).map((button) =>
        button.path
          ? { type: 1 as const, text: cut(button.text, 10), style: style[button.style], url: options.link(button.path) }
          : { type: 0 as const, text: cut(button.text, 10), style: style[button.style], key: `${button.action}:${card.id}` },
      ),
    };
  }
  return {
    card_type: 'text_notice',
    ...base,
    ...(linked.length ? { jump_list: linked.slice(0, weComLimits.jumpItems).map((line) => ({ type: 1 as const, title: cut(line.text, weComLimits.valueChars), url: options.link(line.path!) })) } : {}),
  };
}

function horizontal(line: { text: string; path?: string }, index: number, options: RenderOptions) {
  return {
    type: 1 as const,
    keyname: cut(String(index + 1), weComLimits.keynameChars),
    value: cut(line.text, weComLimits.valueChars),
    url: options.link(line.path!),
  };
}

/** The update after an action: the card's buttons give way to the outcome (WC/94888). */
export function weComButtonReplacement(outcome: CardOutcome): { replace_name: string } {
  return { replace_name: cut(outcome.text, 20) };
}

/** Splits a button key back into its action and card id. */
export function parseWeComKey(key: string): { action: string; cardId: string } | null {
  const match = /^([a-zA-Z]+):([0-9A-Za-z_\-@]{1,128})$/.exec(key);
  return match ? { action: match[1]!, cardId: match[2]! } : null;
}
