import { registerMessages } from '../../core/i18n.ts';

registerMessages({
  'zh-CN': {
    'error.ticket.badTransition': '工单当前状态为{status}，不能执行该操作',
    'error.ticket.notAssignee': '只能分派给客服人员',
    'error.ticket.resolutionRequired': '解决工单需要填写处理结果',
    'error.ticket.notResolved': '工单解决后才能评价满意度',
  },
  en: {
    'error.ticket.badTransition': 'The ticket is {status}; that cannot be done now',
    'error.ticket.notAssignee': 'Tickets can only be assigned to service staff',
    'error.ticket.resolutionRequired': 'Describe the resolution to resolve the ticket',
    'error.ticket.notResolved': 'Satisfaction is collected once the ticket is resolved',
  },
});

const statusNames: Record<string, { 'zh-CN': string; en: string }> = {
  new: { 'zh-CN': '待分派', en: 'new' },
  assigned: { 'zh-CN': '已分派', en: 'assigned' },
  in_progress: { 'zh-CN': '处理中', en: 'in progress' },
  resolved: { 'zh-CN': '已解决', en: 'resolved' },
  closed: { 'zh-CN': '已关闭', en: 'closed' },
};

export function ticketStatusName(status: string, locale: 'zh-CN' | 'en'): string {
  return statusNames[status]?.[locale] ?? status;
}
