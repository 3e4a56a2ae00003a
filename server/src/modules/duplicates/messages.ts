import { registerMessages } from '../../core/i18n.ts';

registerMessages({
  'zh-CN': {
    'error.merge.sameCustomer': '不能把客户合并到自己',
    'error.merge.changed': '客户刚被修改，请刷新后再合并',
    'error.merge.keyTaken': '合并后的名称或手机号已被其他客户使用',
    'error.merge.cannotUndo': '这次合并已无法撤销',
    'error.merge.inProgress': '合并正在进行中，请稍后再试',
    'error.merge.undoExpired': '合并已超过 30 天，不能撤销',
  },
  en: {
    'error.merge.sameCustomer': 'A customer cannot be merged into itself',
    'error.merge.changed': 'The customer has just changed; refresh and merge again',
    'error.merge.keyTaken': 'The merged name or mobile belongs to another customer',
    'error.merge.cannotUndo': 'This merge can no longer be undone',
    'error.merge.inProgress': 'The merge is in progress; try again shortly',
    'error.merge.undoExpired': 'Merges older than 30 days cannot be undone',
  },
});
