/**
 * jpeg (J): JPEG compression through sharp's encoder (libjpeg/mozjpeg in libvips), 4:2:0 chroma subsampling,
 * decoded back. The codec build is recorded in dataset manifests since other libjpeg builds give other bytes.
 */
import sharp from 'sharp';
import type { Image } from '../image.js';
import { toUint8, imageFromBytes } from '../image.js';
import { defineSpec } from './spec.js';
import { choice, fields, int, type z } from '../schema.js';

export const jpegSchema = fields({
  quality: int(1, 100, 'IJG quality factor; the level sets it (95 at level 1 ... 5 at level 15).'),
  chromaSubsampling: choice(['4:2:0', '4:4:4'], "Chroma subsampling; '4:2:0' as most cameras and the web."),
});
export type JpegParams = z.infer<typeof jpegSchema>;

export const JPEG_QUALITIES = [95, 90, 80, 70, 60, 50, 40, 35, 30, 25, 20, 15, 10, 7, 5] as const;

export async function jpegRoundTrip(img: Image, quality: number, chromaSubsampling: '4:2:0' | '4:4:4' = '4:2:0'): Promise<Image> {
  const { width, height } = img;
  const bytes = await sharp(toUint8(img), { raw: { width, height, channels: 3 } })
    // standard Huffman tables: optimising them is lossless (same decoded pixels) and doubles the encode time
    .jpeg({ quality, chromaSubsampling, optimiseCoding: false })
    .toBuffer();
  const { data } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return imageFromBytes(data, width, height);
}

export default defineSpec({
  id: 'jpeg',
  code: 'J',
  summary: 'JPEG compression artifacts (blocking, ringing, colour bleeding), quality 95 down to 5',
  model: 'IJG quality scaling of the standard tables, YCbCr 4:2:0, 8x8 DCT (sharp/libvips encoder)',
  kind: 'single',
  random: false,
  seedFree: true,
  levels: JPEG_QUALITIES.map((q) => ({ summary: `quality ${q}, 4:2:0` })),
  schema: jpegSchema,
  sample(level) {
    return { quality: JPEG_QUALITIES[level - 1]!, chromaSubsampling: '4:2:0' as const };
  },
  apply(img, p) {
    return jpegRoundTrip(img, p.quality, p.chromaSubsampling);
  },
});
