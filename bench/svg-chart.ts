/** A small line chart as standalone SVG text (no fonts or scripts fetched; renders on GitHub). */

/** One line of the chart. */
export interface Series {
  name: string;
  points: Array<[number, number]>;
  /** Drawn dashed: a baseline. */
  dashed?: boolean;
}

/** What to draw. */
export interface ChartSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic x axis (sizes 10, 100, 1,000). */
  xLog?: boolean;
  series: Series[];
}

const W = 640;
const H = 360;
const M = { left: 70, right: 190, top: 52, bottom: 50 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

function xmlText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Round ticks from 0 to past `max`. */
function niceTicks(max: number): number[] {
  const top = max > 0 ? max : 1;
  const raw = top / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function label(v: number): string {
  if (Math.abs(v) >= 10_000) return `${Math.round(v / 1000)}k`;
  if (Math.abs(v) >= 1000) return v.toLocaleString("en-US");
  return String(Number(v.toPrecision(3)));
}

/** The chart as an SVG document. */
export function lineChart(spec: ChartSpec): string {
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[1]));
  const yTicks = niceTicks(Math.max(...ys));
  const yMax = yTicks.at(-1)!;
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const tx = spec.xLog ? Math.log10 : (v: number) => v;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (v: number) => M.left + (xMax === xMin ? plotW / 2 : ((tx(v) - tx(xMin)) / (tx(xMax) - tx(xMin))) * plotW);
  const y = (v: number) => M.top + plotH - (v / yMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${xmlText(spec.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="15" font-weight="bold">${xmlText(spec.title)}</text>`,
  ];
  if (spec.subtitle) out.push(`<text x="${M.left}" y="38" fill="#555">${xmlText(spec.subtitle)}</text>`);
  for (const t of yTicks) {
    out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end">${label(t)}</text>`);
  }
  const distinct = [...new Set(xs)].sort((a, b) => a - b);
  // A long series (a time line) gets round ticks; a few sizes get a tick each.
  const xTicks = distinct.length > 10 && !spec.xLog ? niceTicks(xMax).filter((v) => v >= xMin && v <= xMax) : distinct;
  for (const v of xTicks) {
    out.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${M.top + plotH}" y2="${M.top + plotH + 4}" stroke="#333"/>`);
    out.push(`<text x="${x(v)}" y="${M.top + plotH + 17}" text-anchor="middle">${label(v)}</text>`);
  }
  out.push(
    `<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#333"/>`,
    `<text x="${M.left + plotW / 2}" y="${H - 10}" text-anchor="middle">${xmlText(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${xmlText(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const path = s.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(" ");
    const dash = s.dashed ? ` stroke-dasharray="5 4"` : "";
    out.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    if (s.points.length <= 20)
      for (const [px, py] of s.points) out.push(`<circle cx="${x(px)}" cy="${y(py)}" r="3" fill="${color}"/>`);
    const ly = M.top + 10 + i * 18;
    out.push(
      `<line x1="${W - M.right + 12}" x2="${W - M.right + 32}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
    );
    out.push(`<text x="${W - M.right + 37}" y="${ly + 4}">${xmlText(s.name)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
