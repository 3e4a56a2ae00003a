// Security headers for the API and the H5 app. The app is opened inside WeCom and DingTalk webviews
// (not frames), so framing stays same-origin; the CSP allows only the app's own scripts.
import helmet from 'koa-helmet';
import type { Middleware } from 'koa';

export function securityHeaders(): Middleware {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'img-src': ["'self'", 'data:', 'blob:'],
        // Vant's icon font is inlined; its remote fallback must not be fetched
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'upgrade-insecure-requests': null,
      },
    },
    crossOriginEmbedderPolicy: false,
    hsts: false, // set by the TLS terminator in front, which knows whether HTTPS is in use
  }) as Middleware;
}
