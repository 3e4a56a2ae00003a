// The texts of webhooks: why a target or a request was refused.
import { registerMessages } from '../../core/i18n.ts';

registerMessages({
  'zh-CN': {
    'error.webhook.badUrl': 'Webhook 地址必须是有效的 http:// 或 https:// 网址',
    'error.webhook.unresolvable': '无法解析 Webhook 地址的主机名 {host}',
    'error.webhook.privateTarget': 'Webhook 地址 {host} 指向内网、本机或保留地址，出于安全考虑不允许推送（管理员可在 WEBHOOK_ALLOW_PRIVATE_TARGETS 中放行）',
    'error.webhook.disabled': '该 Webhook 已停用，请先重新启用再重发',
  },
  en: {
    'error.webhook.badUrl': 'The webhook URL must be a valid http:// or https:// address',
    'error.webhook.unresolvable': 'The webhook host {host} cannot be resolved',
    'error.webhook.privateTarget':
      'The webhook host {host} points to a private, loopback or reserved address, which is refused for security (an administrator may allow it in WEBHOOK_ALLOW_PRIVATE_TARGETS)',
    'error.webhook.disabled': 'This webhook is disabled; enable it again before redelivering',
  },
});
