// The script a company puts on its site: <script src="https://crm.example.cn/api/track/snippet.js"
// data-key="ks_…" async></script>. It keeps an anonymous visitor id, remembers the campaign link
// id (?kmlid=) for the visit, sends a page view, and lets the page report other events with
// kemai.track('download' | 'form_submit' | 'inquiry', { phone }). Events go in batches with
// sendBeacon as text/plain, so the browser sends no preflight.
export const trackingSnippet = `(function () {
  var script = document.currentScript;
  var key = script && script.getAttribute('data-key');
  if (!key) return;
  var api = new URL(script.src).origin + '/api/track';
  var store = function (area, name, value) { try { if (value) area.setItem(name, value); return area.getItem(name); } catch (e) { return value; } };
  var visitor = store(localStorage, 'kemai_vid') || store(localStorage, 'kemai_vid', (Date.now().toString(36) + Math.random().toString(36).slice(2)).slice(0, 32));
  var link = store(sessionStorage, 'kemai_lid', new URLSearchParams(location.search).get('kmlid')) || undefined;
  var queue = [];
  var timer = null;
  function flush() {
    while (queue.length) {
      var body = JSON.stringify({ key: key, events: queue.splice(0, 20) });
      if (!(navigator.sendBeacon && navigator.sendBeacon(api, body))) fetch(api, { method: 'POST', body: body, keepalive: true, mode: 'cors' });
    }
  }
  function track(type, data) {
    queue.push({ type: type, visitorId: visitor, url: location.href.slice(0, 500), title: document.title.slice(0, 200), at: Date.now(), linkId: link, phone: data && data.phone });
    clearTimeout(timer);
    timer = setTimeout(flush, 1000);
  }
  window.kemai = { track: track };
  track('page_view');
  addEventListener('pagehide', flush);
})();
`;
