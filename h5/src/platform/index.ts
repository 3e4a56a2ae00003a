// The chat-client layer: the rest of the app asks for a login, a location, images or to open a
// record, and never knows whether it runs in WeCom, DingTalk or a plain browser.
import { detectPlatform, type PlatformKind } from './detect.ts';

export interface GeoFix {
  lat: number;
  lng: number;
  accuracy: number;
}

export type LoginOutcome =
  /** a session exists now */
  | 'session'
  /** a plain browser with dev login on: show the demo-user picker */
  | 'dev-picker'
  /** the page is leaving for the platform's sign-in */
  | 'redirecting'
  /** nothing can sign this user in here */
  | 'unavailable';

export interface Platform {
  kind: PlatformKind;
  login(devLoginEnabled: boolean): Promise<LoginOutcome>;
  getLocation(): Promise<GeoFix>;
  chooseImage(max: number): Promise<File[]>;
  openRecord(url: string): void;
}

export function browserLocation(timeoutMs = 15_000): Promise<GeoFix> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('geolocation unavailable'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => resolve({ lat: position.coords.latitude, lng: position.coords.longitude, accuracy: Math.round(position.coords.accuracy) }),
      (error) => reject(new Error(error.message)),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 30_000 },
    );
  });
}

export function browserChooseImage(max: number): Promise<File[]> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = 'image/*';
    input.multiple = max > 1;
    input.onchange = () => resolve([...(input.files ?? [])].slice(0, max));
    input.click();
  });
}

const browser = (kind: PlatformKind): Platform => ({
  kind,
  // inside WeCom, location and photos come from its JS-SDK (loaded on first use); elsewhere from the browser
  getLocation: kind === 'wecom' ? () => import('./wecom.ts').then((m) => m.wecomLocation()).catch(() => browserLocation()) : () => browserLocation(),
  chooseImage: kind === 'wecom' ? (max) => import('./wecom.ts').then((m) => m.wecomChooseImage(max)) : browserChooseImage,
  async login(devLoginEnabled) {
    if (kind === 'wecom') {
      // WeCom OAuth: the server redirects back with a session cookie (server side: chat platforms I)
      window.location.href = `/api/platform/wecom/login?redirect=${encodeURIComponent(window.location.hash || '#/')}`;
      return 'redirecting';
    }
    if (kind === 'dingtalk') {
      // 免登: the DingTalk client vouches for the user (server side: DingTalk platform)
      const signedIn = await import('./dingtalk.ts').then((m) => m.dingtalkLogin()).catch(() => false);
      if (signedIn) return 'session';
    }
    return devLoginEnabled ? 'dev-picker' : 'unavailable';
  },
  openRecord(url) {
    window.location.hash = url.replace(/^.*#/, '');
  },
});

export const platform: Platform = browser(detectPlatform(navigator.userAgent));
