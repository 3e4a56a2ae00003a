// GET /api/docs: a small self-contained page that reads /api/v1/openapi.json and lists every
// operation with its parameters, body and answers. No CDN and no library: it works offline. The
// script is its own file because the CSP allows no inline script.
export const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Kemai Open API</title>
<style>
body{font:15px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#222;background:#f7f8fa}
main{max-width:960px;margin:0 auto;padding:24px}h1{margin:0 0 4px}h2{margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
details{background:#fff;border:1px solid #e3e5e8;border-radius:6px;margin:6px 0}summary{cursor:pointer;padding:8px 12px}
.m{display:inline-block;min-width:56px;font:bold 12px monospace;text-transform:uppercase}.get{color:#1989fa}.post{color:#07c160}.put{color:#ff976a}.patch{color:#7232dd}.delete{color:#ee0a24}
code,pre{font:13px/1.4 ui-monospace,Menlo,monospace}pre{background:#f2f3f5;padding:8px;overflow:auto;max-height:320px;margin:4px 0}
.body{padding:0 12px 12px}.note{color:#666}
</style></head>
<body><main><h1>Kemai Open API</h1><p class="note" id="intro">Loading /api/v1/openapi.json…</p><div id="ops"></div></main>
<script src="/api/docs/docs.js"></script></body></html>`;

export const docsScript = `const el = (tag, attrs, ...children) => { const e = document.createElement(tag); Object.assign(e, attrs || {}); for (const c of children) e.append(c); return e; };
const resolve = (doc, s) => (s && s.$ref ? doc.components.schemas[s.$ref.split('/').pop()] : s);
fetch('/api/v1/openapi.json').then((r) => r.json()).then((doc) => {
  document.getElementById('intro').textContent = (doc.info.description || '') + ' Version ' + doc.info.version + '. Authenticate with "Authorization: Bearer kmt_…".';
  const groups = {};
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    const tag = (op.tags && op.tags[0]) || 'general';
    (groups[tag] = groups[tag] || []).push({ path, method, op });
  }
  const root = document.getElementById('ops');
  for (const [tag, ops] of Object.entries(groups)) {
    root.append(el('h2', { textContent: tag }));
    for (const { path, method, op } of ops) {
      const body = el('div', { className: 'body' });
      if (op.description) body.append(el('p', { textContent: op.description }));
      if (op['x-kemai-access']) body.append(el('p', { className: 'note', textContent: 'Token permission: ' + op['x-kemai-access'] }));
      for (const p of op.parameters || []) body.append(el('div', {}, el('code', { textContent: p.in + ' ' + p.name + (p.required ? ' (required)' : '') + ': ' + JSON.stringify(p.schema) })));
      const req = op.requestBody && op.requestBody.content['application/json'];
      if (req) body.append(el('p', { textContent: 'Body' }), el('pre', { textContent: JSON.stringify(resolve(doc, req.schema), null, 2) }));
      for (const [status, res] of Object.entries(op.responses || {})) {
        const schema = res.content && res.content['application/json'] && res.content['application/json'].schema;
        const answer = el('details', {}, el('summary', { textContent: status + ' ' + res.description }));
        if (schema && Number(status) < 400) answer.append(el('pre', { textContent: JSON.stringify(resolve(doc, schema), null, 2) }));
        body.append(answer);
      }
      root.append(el('details', {}, el('summary', {}, el('span', { className: 'm ' + method, textContent: method }), el('code', { textContent: path }), ' ' + (op.summary || '')), body));
    }
  }
}).catch((e) => { document.getElementById('intro').textContent = 'Could not load the API description: ' + e; });
`;
