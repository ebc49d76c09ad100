// Colormaps as 256-entry RGB byte tables, indexed the way matplotlib's Colormap.__call__ indexes them.
export const COLORMAP_NAMES = ['jet', 'viridis', 'gray'] as const;
export type ColormapName = (typeof COLORMAP_NAMES)[number];

/** Entries per table, matplotlib's default N. */
export const LUT_SIZE = 256;

/** (x, value just left of x, value just right of x), x rising from 0 to 1: matplotlib's segmentdata rows. */
type Segments = readonly (readonly [x: number, left: number, right: number])[];

/**
 * matplotlib's colors._create_lookup_table for gamma 1, replayed in its float order so the bytes match: breakpoints
 * and samples are scaled to 0..N−1 (sample i is (N−1)·(i·(1/(N−1))), numpy's linspace), sample i interpolates between
 * the first breakpoint ≥ it and the one before, and the result is clipped to [0, 1].
 */
function segmentChannel(segments: Segments, n: number): Float64Array {
  const out = new Float64Array(n);
  const step = 1 / (n - 1);
  out[0] = segments[0]![2];
  out[n - 1] = segments[segments.length - 1]![1];
  let k = 0;
  for (let i = 1; i < n - 1; i++) {
    const x = (n - 1) * (i * step);
    while (segments[k]![0] * (n - 1) < x) k++; // np.searchsorted(..., side='left')
    const xa = segments[k - 1]![0] * (n - 1);
    const xb = segments[k]![0] * (n - 1);
    const ya = segments[k - 1]![2];
    const yb = segments[k]![1];
    out[i] = Math.min(1, Math.max(0, ((x - xa) / (xb - xa)) * (yb - ya) + ya));
  }
  return out;
}

/** Interleaved RGB bytes of a segmented colormap; (v·255).astype(uint8) truncates, as to_rgba(bytes=True) does. */
function segmentedTable(red: Segments, green: Segments, blue: Segments): Uint8Array {
  const channels = [red, green, blue].map((s) => segmentChannel(s, LUT_SIZE));
  const bytes = new Uint8Array(3 * LUT_SIZE);
  for (let i = 0; i < LUT_SIZE; i++) for (let c = 0; c < 3; c++) bytes[3 * i + c] = Math.trunc(channels[c]![i]! * 255);
  return bytes;
}

function hexTable(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * viridis is a ListedColormap of 256 float triples in matplotlib (_cm_listed._viridis_data); these are those
 * triples as (v·255) truncated to bytes, so the table is as exact as jet's without shipping 768 floats.
 */
const VIRIDIS_HEX =
  '44015444025544035745055845065a45085b46095c460b5e460c5f460e61470f62471163471265471466471567471669' +
  '47186a48196b481a6c481c6e481d6f481e70482071482172482273482374472575472676472777472878472a79472b7a' +
  '472c7b462d7c462f7c46307d46317e45327f45347f453580453681443781443982433a83433b83433c84423d84423e85' +
  '4240854141864142864043874044873f45873f47883e48883e49893d4a893d4b893d4c893c4d8a3c4e8a3b508a3b518a' +
  '3a528b3a538b39548b39558b38568b38578c37588c37598c365a8c365b8c355c8c355d8c345e8d345f8d33608d33618d' +
  '32628d32638d31648d31658d31668d30678d30688d2f698d2f6a8d2e6b8e2e6c8e2e6d8e2d6e8e2d6f8e2c708e2c718e' +
  '2c728e2b738e2b748e2a758e2a768e2a778e29788e29798e287a8e287a8e287b8e277c8e277d8e277e8e267f8e26808e' +
  '26818e25828e25838d24848d24858d24868d23878d23888d23898d22898d228a8d228b8d218c8d218d8c218e8c208f8c' +
  '20908c20918c1f928c1f938b1f948b1f958b1f968b1e978a1e988a1e998a1e998a1e9a891e9b891e9c891e9d881e9e88' +
  '1e9f881ea0871fa1871fa2861fa38620a48520a58521a68521a78422a78423a88323a98224aa8225ab8126ac8127ad80' +
  '28ae7f29af7f2ab07e2bb17d2cb17d2eb27c2fb37b30b47a32b57a33b67935b77836b87738b97639b9763bba753dbb74' +
  '3ebc7340bd7242be7144be7045bf6f47c06e49c16d4bc26c4dc26b4fc36951c46853c56755c66657c66559c7645bc862' +
  '5ec96160c96062ca5f64cb5d67cc5c69cc5b6bcd596dce5870ce5672cf5574d05477d05279d1517cd24f7ed24e81d34c' +
  '83d34b86d44988d5478bd5468dd64490d64392d74195d73f97d83e9ad83c9dd93a9fd938a2da37a5da35a7db33aadb32' +
  'addc30afdc2eb2dd2cb5dd2bb7dd29bade27bdde26bfdf24c2df22c5df21c7e01fcae01ecde01dcfe11cd2e11bd4e11a' +
  'd7e219dae218dce218dfe318e1e318e4e318e7e419e9e419ece41aeee51bf1e51cf3e51ef6e61ff8e621fae622fde724';

const TABLES: Record<ColormapName, Uint8Array> = {
  jet: segmentedTable(
    [
      [0, 0, 0],
      [0.35, 0, 0],
      [0.66, 1, 1],
      [0.89, 1, 1],
      [1, 0.5, 0.5],
    ],
    [
      [0, 0, 0],
      [0.125, 0, 0],
      [0.375, 1, 1],
      [0.64, 1, 1],
      [0.91, 0, 0],
      [1, 0, 0],
    ],
    [
      [0, 0.5, 0.5],
      [0.11, 1, 1],
      [0.34, 1, 1],
      [0.65, 0, 0],
      [1, 0, 0],
    ],
  ),
  viridis: hexTable(VIRIDIS_HEX),
  gray: segmentedTable(
    [
      [0, 0, 0],
      [1, 1, 1],
    ],
    [
      [0, 0, 0],
      [1, 1, 1],
    ],
    [
      [0, 0, 0],
      [1, 1, 1],
    ],
  ),
};

/** The RGB byte table of a colormap (3·LUT_SIZE entries). Shared: do not write to it. */
export function colormapTable(name: ColormapName): Uint8Array {
  return TABLES[name];
}

/**
 * matplotlib's entry for t: floor(t·N), with t = 1 (and above) on the last entry and anything below 0 on the first.
 * NaN, which matplotlib paints with the transparent "bad" colour, also gets the first entry: a map has no holes.
 */
export function colormapIndex(t: number): number {
  const i = Math.floor(t * LUT_SIZE);
  return i >= LUT_SIZE ? LUT_SIZE - 1 : i > 0 ? i : 0;
}

/** Colour of t in [0, 1] as [r, g, b] bytes. */
export function colorAt(name: ColormapName, t: number): [number, number, number] {
  const table = TABLES[name];
  const i = 3 * colormapIndex(t);
  return [table[i]!, table[i + 1]!, table[i + 2]!];
}

const packedCache = new Map<ColormapName, Uint32Array>();

/** Opaque RGBA entries packed for a little-endian Uint32Array view of ImageData (0xAABBGGRR). Shared: do not write. */
export function packedTable(name: ColormapName): Uint32Array {
  let packed = packedCache.get(name);
  if (packed) return packed;
  const table = TABLES[name];
  packed = new Uint32Array(LUT_SIZE);
  for (let i = 0; i < LUT_SIZE; i++) {
    packed[i] = ((0xff << 24) | (table[3 * i + 2]! << 16) | (table[3 * i + 1]! << 8) | table[3 * i]!) >>> 0;
  }
  packedCache.set(name, packed);
  return packed;
}

/** Writes the packed colour of every normalized value into out (same length): the colouring loop of every overlay. */
export function colorizeInto(normalized: ArrayLike<number>, packed: Uint32Array, out: Uint32Array): void {
  for (let p = 0; p < normalized.length; p++) out[p] = packed[colormapIndex(normalized[p]!)]!;
}

/** CSS linear-gradient stops for a legend bar (17 stops are indistinguishable from the full table). */
export function cssGradient(name: ColormapName, direction = 'to right'): string {
  const stops: string[] = [];
  for (let s = 0; s <= 16; s++) {
    const [r, g, b] = colorAt(name, s / 16);
    stops.push(`rgb(${r} ${g} ${b}) ${(s / 16) * 100}%`);
  }
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}
