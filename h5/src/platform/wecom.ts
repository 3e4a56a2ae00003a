// WeCom's JS-SDK: registered once with signatures from Kemai's server (which holds the tickets),
// then location and the camera come from the WeCom client instead of the browser.
import type { GeoFix } from './index.ts';

type WeComSdk = typeof import('@wecom/jssdk');

let sdk: Promise<WeComSdk> | null = null;

interface Signature {
  timestamp: number | string;
  nonceStr: string;
  signature: string;
}

/** Loads and registers the SDK on first use: it is not needed on the first screen. */
function ready(): Promise<WeComSdk> {
  sdk ??= (async () => {
    const ww = await import('@wecom/jssdk');
    const page = window.location.href.split('#')[0]!;
    const response = await fetch(`/api/platform/wecom/jssdk-signature?url=${encodeURIComponent(page)}`, { credentials: 'same-origin' });
    if (!response.ok) throw new Error('WeCom JS-SDK signature unavailable');
    const signed = (await response.json()) as { corpId: string; agentId: string; config: Signature; agentConfig: Signature };
    ww.register({
      corpId: signed.corpId,
      agentId: Number(signed.agentId),
      jsApiList: ['getLocation', 'chooseImage', 'getLocalImgData'],
      getConfigSignature: async () => signed.config,
      getAgentConfigSignature: async () => signed.agentConfig,
    });
    return ww;
  })();
  return sdk;
}

export async function wecomLocation(): Promise<GeoFix> {
  const ww = await ready();
  const fix = await ww.getLocation({ type: ww.LocationType.gcj02 });
  return { lat: fix.latitude, lng: fix.longitude, accuracy: Math.round(Number(fix.accuracy ?? 0)) };
}

export async function wecomChooseImage(max: number): Promise<File[]> {
  const ww = await ready();
  const { localIds } = await ww.chooseImage({ count: Math.min(max, 9), sizeType: [ww.SizeType.compressed], sourceType: [ww.SourceType.camera, ww.SourceType.album] });
  const files: File[] = [];
  for (const [i, localId] of localIds.entries()) {
    const { localData } = await ww.getLocalImgData({ localId });
    const base64 = localData.replace(/^data:[^,]+,/, '');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    files.push(new File([bytes], `photo-${i + 1}.jpg`, { type: 'image/jpeg' }));
  }
  return files;
}
