// Loads test/fixtures/wsol/reference.json, written by scripts/fixtures/makeWsolReference.py (OpenCV + numpy).
import { readFileSync } from 'node:fs';
import type { Box } from '../../../src-shared/explainTypes.js';

export interface FixtureContour {
  /** Absent for the mask with more contours than OpenCV's 7-bit labels hold. */
  points?: number[];
  isHole: boolean;
  parent: number;
  area: number;
  rect: Box;
}

export interface WsolFixture {
  opencv: string;
  masks: { name: string; width: number; height: number; mask: string[]; contours: FixtureContour[] }[];
  scoremaps: {
    items: { name: string; width: number; height: number; values: number[]; gt: Box[]; largestBoxes: Box[]; allBoxesAt: Record<string, Box[]> }[];
    result: DatasetResult;
  };
  cams: {
    items: {
      width: number;
      height: number;
      values: number[];
      imageWidth: number;
      imageHeight: number;
      gt: Box[];
      gt224: Box[];
      resizedSamples: [number, number][];
      scoremapU8Sum: number;
      largestBoxes: Box[];
    }[];
    result: DatasetResult;
  };
}

export interface DatasetResult {
  /** Setting ('largest' | 'all') → δ → accuracy per threshold, percent. */
  curves: Record<'largest' | 'all', Record<string, number[]>>;
  v1: number;
  v2: number;
}

export const WSOL_FIXTURE: WsolFixture = JSON.parse(readFileSync('test/fixtures/wsol/reference.json', 'utf8'));

/** A mask from rows of '0'/'1'. */
export function maskFromRows(rows: string[]): Uint8Array {
  return Uint8Array.from(rows.join(''), (c) => (c === '1' ? 1 : 0));
}
