// Schemas of the JSON-valued columns: a project file is user data, so what comes back out is checked.
import { z } from 'zod';
import { CamscopeError } from '../errors.js';

export const inputShapeColumn = z.array(z.union([z.number(), z.string()]));

export const preprocessingColumn = z.object({
  width: z.number(),
  height: z.number(),
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number(), z.number(), z.number()]),
  source: z.string(),
});

export const labelsColumn = z.array(z.string()).nullable();
export const paramsColumn = z.record(z.string(), z.unknown());
export const metricsColumn = z.record(z.string(), z.number());

/** Parses one stored JSON value; a bad one names the file, table and row rather than failing later. */
export function parseJsonColumn<T>(schema: z.ZodType<T>, text: string, file: string, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CamscopeError(`${file}: ${where} is not valid JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CamscopeError(`${file}: ${where} has an unexpected shape (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

const rleColumn = z.object({
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  counts: z.array(z.number().int().nonnegative()).transform((c) => Uint32Array.from(c)),
});

/** gt_masks.masks: datasets/datasetTypes.ts' GroundTruthMasks, files relative to the row's root. */
export const masksColumn = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('maskFiles'), instances: z.array(z.string()), ignore: z.string().nullable() }),
  z.object({ kind: z.literal('labelPng'), file: z.string(), foreground: z.union([z.number().int(), z.literal('objects')]) }),
  z.object({ kind: z.literal('rle'), foreground: z.array(rleColumn), ignore: z.array(rleColumn) }),
]);

/** JSON of a masks value, RLE counts (typed arrays) as plain arrays. */
export const masksJson = (masks: unknown): string => JSON.stringify(masks, (_, v: unknown) => (v instanceof Uint32Array ? Array.from(v) : v));
