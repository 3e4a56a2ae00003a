import { registerMessages } from '../../core/i18n.ts';

registerMessages({
  'zh-CN': {
    'error.externalId.taken': '该外部编号已被另一条记录使用',
    'error.bulk.tooMany': '一次最多 {max} 条记录',
  },
  en: {
    'error.externalId.taken': 'This external id is used by another record',
    'error.bulk.tooMany': 'At most {max} records at a time',
  },
});
