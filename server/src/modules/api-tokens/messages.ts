import { registerMessages } from '../../core/i18n.ts';

registerMessages({
  'zh-CN': {
    'error.apiToken.invalid': 'API 令牌无效、已吊销或已过期',
    'error.apiToken.sessionNotAccepted': '开放接口只接受 API 令牌（kmt_…），不接受登录会话',
    'error.apiToken.forbidden': '该 API 令牌没有此资源的权限（需要 {access}）',
    'error.apiToken.rateLimited': '请求过于频繁，请 {seconds} 秒后重试',
    'error.apiToken.expiry': '有效期必须在将来且不超过两年',
    'error.apiToken.owner': '令牌所属用户不存在或已停用',
    'error.apiToken.role': '集成角色不存在',
  },
  en: {
    'error.apiToken.invalid': 'The API token is invalid, revoked or expired',
    'error.apiToken.sessionNotAccepted': 'The open API accepts API tokens (kmt_…), not sign-in sessions',
    'error.apiToken.forbidden': 'This API token has no {access} access to this resource',
    'error.apiToken.rateLimited': 'Too many requests; retry in {seconds} seconds',
    'error.apiToken.expiry': 'The expiry must be in the future and at most two years away',
    'error.apiToken.owner': 'The token owner does not exist or is inactive',
    'error.apiToken.role': 'No such integration role',
  },
});
