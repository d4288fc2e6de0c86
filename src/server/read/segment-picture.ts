// The pixel work of one read, bytes → the candidate digits and how they fit together: the same on the event loop or in
// a preprocessing thread (preprocess/worker.ts), which is why its answer is plain data.
import { decodeForReading } from './decode.js';
import { segmentNumber, type Segmentation } from './reader.js';

export interface SegmentedPicture {
  segmentation: Segmentation;
  /** Picture pixels per decoded pixel (1 unless sharp shrank it). */
  scale: number;
}

export async function segmentPicture(image: Buffer, maxPixels: number, length?: number): Promise<SegmentedPicture> {
  const { grey, scale } = await decodeForReading(image, maxPixels);
  return { segmentation: segmentNumber(grey, { length }), scale };
}
