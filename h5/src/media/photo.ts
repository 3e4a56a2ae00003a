// Visit photos are shrunk in the browser (long side ≤ 1600 px) and stamped with a visible
// watermark (time, place, user) before upload: proof of the visit, and small on a weak network.
export interface Watermark {
  time: string;
  place: string;
  user: string;
}

export const maxLongSide = 1600;

export function scaledSize(width: number, height: number, maxSide = maxLongSide): { width: number; height: number } {
  const longSide = Math.max(width, height);
  if (longSide <= maxSide) return { width, height };
  const ratio = maxSide / longSide;
  return { width: Math.round(width * ratio), height: Math.round(height * ratio) };
}

export function watermarkLines(mark: Watermark): string[] {
  return [mark.time, mark.place, mark.user].filter((line) => line.trim().length > 0);
}

export async function preparePhoto(file: Blob, mark: Watermark): Promise<Blob> {
  const bitmap = await createImageBitmap(file);
  const { width, height } = scaledSize(bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('canvas unavailable');
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();

  const lines = watermarkLines(mark);
  const fontSize = Math.max(14, Math.round(Math.min(width, height) / 28));
  const padding = Math.round(fontSize * 0.6);
  context.font = `${fontSize}px -apple-system, "PingFang SC", "Noto Sans CJK SC", sans-serif`;
  const boxHeight = lines.length * fontSize * 1.35 + padding * 2;
  const boxWidth = Math.min(width, Math.max(...lines.map((line) => context.measureText(line).width)) + padding * 2);
  context.fillStyle = 'rgba(0, 0, 0, 0.45)';
  context.fillRect(0, height - boxHeight, boxWidth, boxHeight);
  context.fillStyle = '#fff';
  context.textBaseline = 'top';
  lines.forEach((line, i) => context.fillText(line, padding, height - boxHeight + padding + i * fontSize * 1.35));

  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('encoding failed'))), 'image/jpeg', 0.85),
  );
}
