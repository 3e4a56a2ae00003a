// DingTalk 免登: the client hands out a one-time auth code (no dd.config needed), the server turns
// it into a session. Loaded only inside DingTalk.
export async function dingtalkLogin(): Promise<boolean> {
  const config = (await (await fetch('/api/platform/dingtalk/config', { credentials: 'same-origin' })).json()) as { corpId: string };
  const { default: requestAuthCode } = await import('dingtalk-jsapi/api/runtime/permission/requestAuthCode');
  const { code } = await requestAuthCode({ corpId: config.corpId });
  const response = await fetch('/api/platform/dingtalk/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-Kemai-Client': 'h5' },
    body: JSON.stringify({ code }),
  });
  return response.ok;
}
