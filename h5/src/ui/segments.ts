// A segment's filter in words, one phrase per condition, for the segment list and for the
// conditions the customer list cannot apply (shown read-only beside it).
import type { SegmentFilter } from '../api/types.ts';
import { formatFen } from './format.ts';

type Translate = (key: string, values?: Record<string, unknown>) => string;

export function segmentFacts(filter: SegmentFilter, t: Translate): string[] {
  const facts: string[] = [];
  const join = (tags: string[]) => tags.map((tag) => `「${tag}」`).join('');
  if (filter.owner) facts.push(filter.owner === 'me' ? t('segments.fact.ownerMe') : t('segments.fact.owner'));
  if (filter.department) facts.push(t('segments.fact.department'));
  if (filter.stage) facts.push(`${t('filters.stage')}：${t(`stage.${filter.stage}`)}`);
  if (filter.level) facts.push(`${t('filters.level')}：${filter.level}`);
  if (filter.industry) facts.push(`${t('filters.industry')}：${filter.industry}`);
  if (filter.source) facts.push(`${t('filters.source')}：${filter.source}`);
  if (filter.province || filter.city) facts.push(`${t('filters.region')}：${[filter.province, filter.city].filter(Boolean).join(' ')}`);
  if (filter.idleDays) facts.push(`${t('filters.idleDays')}：${filter.idleDays}`);
  if (filter.needsCompletion) facts.push(t('filters.needsCompletion'));
  if (filter.keyword) facts.push(`${t('filters.keyword')}：${filter.keyword}`);
  if (filter.tagsAll?.length) facts.push(t('segments.fact.tagsAll', { tags: join(filter.tagsAll) }));
  if (filter.tagsAny?.length) facts.push(t('segments.fact.tagsAny', { tags: join(filter.tagsAny) }));
  if (filter.receivedAtLeast) facts.push(t('segments.fact.receivedAtLeast', { days: filter.receivedAtLeast.withinDays, amount: formatFen(filter.receivedAtLeast.amountFen) }));
  if (filter.noOrderForDays) facts.push(t('segments.fact.noOrderForDays', { days: filter.noOrderForDays }));
  if (filter.onSiteWithinDays) facts.push(t('segments.fact.onSiteWithinDays', { days: filter.onSiteWithinDays }));
  return facts;
}
