// A DingTalk card click can update the clicked card in the Stream acknowledgement itself (§2g
// "sync update"), which shows the outcome at once without another API call. While a click is being
// handled, its outTrackId sits here; the platform's updateCard puts that copy's new data here
// instead of sending a PUT, and the Stream layer sends it with the ack.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface ClickReply {
  outTrackId: string;
  cardParamMap?: Record<string, string>;
}

export const clickReply = new AsyncLocalStorage<ClickReply>();

/** The ack body that updates the clicked card, or an empty one. */
export function ackBody(reply: ClickReply): Record<string, unknown> {
  if (!reply.cardParamMap) return {};
  return {
    cardData: { cardParamMap: reply.cardParamMap },
    userPrivateData: { cardParamMap: {} },
    cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
  };
}
