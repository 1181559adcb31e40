/**
 * Where answers were given: the positions drawn on a plain plot (no map tiles: no tile server is
 * reachable), north up, scaled to fit with equal metres per pixel both ways, numbered by step, with a
 * table of the coordinates beside it.
 */
import type { Geo } from '../../wire';

export interface Position {
  label: string;
  step: number;
  geo: Geo;
}

const SIZE = 280;
const PAD = 28;

export function GeoPlot({ positions }: { positions: Position[] }) {
  if (positions.length === 0) return <p class="muted">No positions were recorded.</p>;
  const lats = positions.map((p) => p.geo.lat);
  const lngs = positions.map((p) => p.geo.lng);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const kx = Math.cos((midLat * Math.PI) / 180);
  const spanX = (Math.max(...lngs) - Math.min(...lngs)) * kx;
  const spanY = Math.max(...lats) - Math.min(...lats);
  const span = Math.max(spanX, spanY, 0.0005);
  const scale = (SIZE - 2 * PAD) / span;
  const cx = ((Math.max(...lngs) + Math.min(...lngs)) / 2) * kx;
  const cy = midLat;
  const project = (geo: Geo) => ({
    x: SIZE / 2 + (geo.lng * kx - cx) * scale,
    y: SIZE / 2 - (geo.lat - cy) * scale,
  });
  const metres = Math.round(span * 111_320);
  return (
    <div class="geo">
      <svg
        class="geo-plot"
        width={SIZE}
        height={SIZE}
        viewBox={`0 0 ${SIZE} ${SIZE}`}
        role="img"
        aria-label={`Plot of ${positions.length} position(s); coordinates in the table`}
      >
        <rect x="0.5" y="0.5" width={SIZE - 1} height={SIZE - 1} fill="#fff" stroke="#6b7280" />
        <text x={SIZE - 8} y="18" text-anchor="end" font-size="12" fill="#4b5563">
          N ↑
        </text>
        <text x="8" y={SIZE - 8} font-size="12" fill="#4b5563">
          {metres < 1000 ? `${metres} m across` : `${(metres / 1000).toFixed(1)} km across`}
        </text>
        {positions.map((p) => {
          const { x, y } = project(p.geo);
          const r = p.geo.accuracy_m ? Math.min(Math.max((p.geo.accuracy_m / 111_320) * scale, 0), SIZE) : 0;
          return (
            <g key={p.step}>
              {r > 6 && (
                <circle
                  cx={x}
                  cy={y}
                  r={r}
                  fill="#1d4ed8"
                  fill-opacity="0.08"
                  stroke="#1d4ed8"
                  stroke-opacity="0.4"
                />
              )}
              <circle cx={x} cy={y} r="9" fill="#1d4ed8" />
              <text x={x} y={y + 4} text-anchor="middle" font-size="11" font-weight="700" fill="#fff">
                {p.step}
              </text>
            </g>
          );
        })}
      </svg>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Coordinates of each answer</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Latitude, longitude</th>
              <th scope="col" class="num">
                Accuracy
              </th>
            </tr>
          </thead>
          <tbody>
            {positions.map((p) => (
              <tr key={p.step}>
                <td>
                  {p.step}. {p.label}
                </td>
                <td>
                  <code>
                    {p.geo.lat.toFixed(6)}, {p.geo.lng.toFixed(6)}
                  </code>
                </td>
                <td class="num">{p.geo.accuracy_m === null ? '—' : `±${Math.round(p.geo.accuracy_m)} m`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
