import { describe, expect, it } from 'vitest';
import { ApiError } from '../../h5/src/api/client.ts';
import { errorText } from '../../h5/src/ui/errors.ts';
import { segmentFacts } from '../../h5/src/ui/segments.ts';

// the keys and values as a translation would receive them
const t = (key: string, values: Record<string, unknown> = {}) => `${key}${Object.keys(values).length ? JSON.stringify(values) : ''}`;

describe('segment conditions in words', () => {
  it('name each condition present, in a stable order', () => {
    expect(
      segmentFacts({ owner: 'me', stage: 'prospect', city: '苏州市', tagsAll: ['重视服务', '价格敏感'], receivedAtLeast: { amountFen: 1_000_000, withinDays: 90 }, onSiteWithinDays: 7 }, t),
    ).toEqual([
      'segments.fact.ownerMe',
      'filters.stage：stage.prospect',
      'filters.region：苏州市',
      'segments.fact.tagsAll{"tags":"「重视服务」「价格敏感」"}',
      'segments.fact.receivedAtLeast{"days":90,"amount":"¥10,000.00"}',
      'segments.fact.onSiteWithinDays{"days":7}',
    ]);
  });

  it('say nothing of an empty filter', () => {
    expect(segmentFacts({}, t)).toEqual([]);
  });
});

describe('server errors as shown', () => {
  it('add what the details say to the message', () => {
    const error = new ApiError(400, { code: 'VALIDATION', message: '请求参数有误', details: [{ path: 'filter', message: 'matches 6200 customers; narrow it to 5000 or fewer' }] });
    expect(errorText(error)).toBe('请求参数有误：matches 6200 customers; narrow it to 5000 or fewer');
  });

  it('keep a message without details as it is', () => {
    expect(errorText(new ApiError(409, { code: 'CONFLICT', message: '工单当前状态为已解决，不能执行该操作' }))).toBe('工单当前状态为已解决，不能执行该操作');
    expect(errorText(new Error('offline'))).toBe('offline');
  });
});
