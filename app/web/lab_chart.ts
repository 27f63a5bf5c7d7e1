/**
 * <lab-chart>: one SVG line chart by step: each series' line with its band, dots at the steps, dashed
 * marks where the reward weights changed. data-points on the element is the number of steps drawn.
 */
import { css, html, LitElement, svg } from "lit";
import { bandPath, extent, formatTick, linearScale, linePath, niceTicks } from "./chart_math.ts";
import { type ChartData, finitePointCount } from "./metrics_series.ts";

const W = 320, H = 170;
const M = { left: 44, right: 10, top: 8, bottom: 22 };
export const SERIES_COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];

export class LabChart extends LitElement {
  static override properties = { data: { attribute: false }, marks: { attribute: false } };
  declare data: ChartData | undefined;
  /** Steps from which new reward weights applied. */
  declare marks: number[];

  constructor() {
    super();
    this.marks = [];
  }

  static override styles = css`
    :host {
      display: block;
      background: #fff;
      border: 1px solid #e5e7eb;
      border-radius: 6px;
      padding: 6px 8px;
    }
    h3 {
      font-size: 13px;
      font-weight: 600;
      margin: 0 0 2px;
      color: #111827;
    }
    svg {
      width: 100%;
      height: auto;
      display: block;
    }
    .axis text {
      font-size: 10px;
      fill: #6b7280;
    }
    .grid {
      stroke: #f3f4f6;
    }
    .legend {
      display: flex;
      gap: 10px;
      font-size: 11px;
      color: #374151;
      flex-wrap: wrap;
    }
    .swatch {
      display: inline-block;
      width: 10px;
      height: 3px;
      vertical-align: middle;
      margin-right: 3px;
    }
    .swatch.dashed {
      opacity: 0.5;
    }
    .empty {
      font-size: 12px;
      color: #6b7280;
      height: 60px;
      display: flex;
      align-items: center;
    }
  `;

  override updated(): void {
    this.dataset.points = String(this.data ? finitePointCount(this.data) : 0);
    this.dataset.chart = this.data?.id ?? "";
  }

  override render() {
    const data = this.data;
    if (!data) return html``;
    const steps = data.series.flatMap((s) => s.points.map(([x]) => x));
    const ys = data.series.flatMap((s) => [
      ...s.points.map(([, y]) => y),
      ...s.band.flatMap(([, lo, hi]) => [lo, hi]),
    ]);
    const yExtent = extent(ys);
    const xExtent = extent(steps);
    if (!yExtent || !xExtent) {
      return html`
        <h3>${data.title}</h3>
        <div class="empty">${data.empty}</div>
      `;
    }
    const x = linearScale(steps.length === 1 ? [steps[0] - 1, steps[0] + 1] : xExtent, [M.left, W - M.right]);
    const y = linearScale(yExtent, [H - M.bottom, M.top]);
    const yTicks = niceTicks(yExtent[0], yExtent[1], 4);
    const xTicks = niceTicks(x.domain[0], x.domain[1], 5).filter((t) => Number.isInteger(t));
    return html`
      <h3>${data.title}</h3>
      <svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${data.title}>
        <g class="axis">
          ${yTicks.map((t) =>
            svg`
              <line class="grid" x1=${M.left} x2=${W - M.right} y1=${y(t)} y2=${y(t)}></line>
              <text x=${M.left - 4} y=${y(t) + 3} text-anchor="end">${formatTick(t)}</text>
            `
          )}
          ${xTicks.map((t) => svg`<text x=${x(t)} y=${H - 6} text-anchor="middle">${t}</text>`)}
        </g>
        ${this.marks.filter((s) => s >= x.domain[0] && s <= x.domain[1] + 1).map((s) =>
          svg`
            <line class="mark" x1=${x(s - 0.5)} x2=${x(s - 0.5)} y1=${M.top} y2=${H - M.bottom}
              stroke="#f59e0b" stroke-dasharray="4 3">
              <title>reward weights changed from step ${s}</title>
            </line>
          `
        )}
        ${data.series.map((s, i) => {
          const colour = SERIES_COLOURS[(s.compared?.of ?? i) % SERIES_COLOURS.length];
          if (s.compared) {
            return svg`
              <path class="compared" d=${linePath(s.points, x, y)} fill="none" stroke=${colour}
                stroke-width="1.4" stroke-dasharray="5 3" stroke-opacity="0.75"></path>
            `;
          }
          return svg`
            <path d=${bandPath(s.band, x, y)} fill=${colour} fill-opacity="0.15" stroke="none"></path>
            <path class="line" d=${linePath(s.points, x, y)} fill="none" stroke=${colour} stroke-width="1.6"
              stroke-linecap="round" stroke-linejoin="round"></path>
            ${s.points.filter(([, v]) => Number.isFinite(v)).map(([px, py]) =>
              svg`
                <circle class="dot" cx=${x(px)} cy=${y(py)} r="2.2" fill=${colour}>
                  <title>${s.label} at step ${px}: ${py}</title>
                </circle>
              `
            )}
          `;
        })}
      </svg>
      <div class="legend">
        ${data.series.map((s, i) =>
          html`<span><span class="swatch ${s.compared ? "dashed" : ""}" style="background:${
            SERIES_COLOURS[(s.compared?.of ?? i) % SERIES_COLOURS.length]
          }"></span>${s.label}</span>`
        )}
      </div>
    `;
  }
}

customElements.define("lab-chart", LabChart);

declare global {
  interface HTMLElementTagNameMap {
    "lab-chart": LabChart;
  }
}
