// Bot cards: each card defined once as data, rendered for WeCom, DingTalk and the dev outbox, in
// zh-CN and en. Pure functions, no I/O.
export type { Card, CardData, CardKind, CardOutcome, CardView, CustomerRef, Locale, RenderOptions } from './types.ts';
export { cardView, maxLines } from './view.ts';
export { renderWeCom, weComButtonReplacement, parseWeComKey, weComLimits, taskIdPattern, type WeComTemplateCard } from './wecom.ts';
export { renderDingTalk, type DingTalkCardData } from './dingtalk.ts';
