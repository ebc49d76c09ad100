// The eight object classes of the synthetic WSOL benchmark, as SVG paths inside the unit circle.

export const SHAPE_CLASSES = ['circle', 'square', 'triangle', 'star', 'cross', 'heart', 'hexagon', 'ring'] as const;
export type ShapeClass = (typeof SHAPE_CLASSES)[number];

type Point = [number, number];

function regular(n: number, startDeg: number, radiusAt: (k: number) => number = () => 1): Point[] {
  return Array.from({ length: n }, (_, k) => {
    const a = ((startDeg + (360 * k) / n) * Math.PI) / 180;
    return [radiusAt(k) * Math.cos(a), radiusAt(k) * Math.sin(a)];
  });
}

/** Heart curve x = 16 sin³t, y = 13 cos t − 5 cos 2t − 2 cos 3t − cos 4t, centred and scaled into the unit circle. */
function heart(): Point[] {
  const pts: Point[] = Array.from({ length: 64 }, (_, k) => {
    const t = (2 * Math.PI * k) / 64;
    return [16 * Math.sin(t) ** 3, -(13 * Math.cos(t) - 5 * Math.cos(2 * t) - 2 * Math.cos(3 * t) - Math.cos(4 * t))];
  });
  const cy = (Math.min(...pts.map((p) => p[1])) + Math.max(...pts.map((p) => p[1]))) / 2;
  const r = Math.max(...pts.map(([x, y]) => Math.hypot(x, y - cy)));
  return pts.map(([x, y]) => [x / r, (y - cy) / r]);
}

function cross(): Point[] {
  const w = 0.3; // arm half-width before scaling the tips onto the unit circle
  const pts: Point[] = [
    [w, 1],
    [w, w],
    [1, w],
    [1, -w],
    [w, -w],
    [w, -1],
    [-w, -1],
    [-w, -w],
    [-1, -w],
    [-1, w],
    [-w, w],
    [-w, 1],
  ];
  const r = Math.hypot(1, w);
  return pts.map(([x, y]) => [x / r, y / r]);
}

const polygon = (pts: Point[]) => `M${pts.map(([x, y]) => `${x.toFixed(4)},${y.toFixed(4)}`).join('L')}Z`;
const circle = (r: number) => `M${r},0A${r},${r} 0 1,1 ${-r},0A${r},${r} 0 1,1 ${r},0Z`;

const UNIT_PATHS: Record<Exclude<ShapeClass, 'ring'>, string> = {
  circle: circle(1),
  square: polygon(regular(4, 45)),
  triangle: polygon(regular(3, -90)),
  star: polygon(regular(10, -90, (k) => (k % 2 === 0 ? 1 : 0.45))),
  cross: polygon(cross()),
  heart: polygon(heart()),
  hexagon: polygon(regular(6, 0)),
};

export interface ShapeInstance {
  cls: ShapeClass;
  /** Centre and circumradius in pixels; the shape lies inside this circle. */
  cx: number;
  cy: number;
  r: number;
  rotationDeg: number;
  /** Ring only: inner radius as a fraction of r. */
  hole: number;
  fill: readonly [number, number, number];
}

/** The shape as one SVG element (a ring is a disc with an even-odd hole). */
export function shapeSvg(s: ShapeInstance): string {
  const d = s.cls === 'ring' ? `${circle(1)}${circle(s.hole)}` : UNIT_PATHS[s.cls];
  const transform = `translate(${s.cx.toFixed(3)} ${s.cy.toFixed(3)}) rotate(${s.rotationDeg.toFixed(2)}) scale(${s.r.toFixed(3)})`;
  return `<path d="${d}" fill-rule="evenodd" fill="rgb(${s.fill.join(',')})" transform="${transform}"/>`;
}
