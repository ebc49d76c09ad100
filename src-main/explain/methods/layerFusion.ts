// LayerCAM's hierarchical fusion (Jiang et al. 2021, IEEE TIP, eq. 9): each layer's map is scaled by
// tanh(γ·M / max M) with γ = 2 (lifting the weak responses of shallow layers), upsampled to the largest
// layer resolution (bilinear, align_corners=False) and fused by the element-wise maximum, as TorchCAM does.
import { type MapGrid, upsampleBilinear } from '../postprocess/mapGrid.js';

export const LAYERCAM_GAMMA = 2;

export function fuseLayerMaps(maps: MapGrid[], gamma = LAYERCAM_GAMMA): MapGrid {
  const width = Math.max(...maps.map((m) => m.width));
  const height = Math.max(...maps.map((m) => m.height));
  const fused = new Float32Array(width * height);
  for (const m of maps) {
    let max = 0;
    for (const v of m.values) max = Math.max(max, v);
    const scaled = Float32Array.from(m.values, (v) => (max > 0 ? Math.tanh((gamma * v) / max) : 0));
    const up = upsampleBilinear({ width: m.width, height: m.height, values: scaled }, width, height).values;
    for (let i = 0; i < fused.length; i++) fused[i] = Math.max(fused[i]!, up[i]!);
  }
  return { width, height, values: fused };
}
