/** <chart-grid>: the run's charts, live, from the store's step records. */
import { css, html } from "lit";
import { StoreElement } from "./store_element.ts";
import { chartData, chartSpecs } from "./metrics_series.ts";
import "./lab_chart.ts";

export class ChartGrid extends StoreElement {
  static override styles = css`
    :host {
      display: block;
    }
    .grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
      gap: 10px;
    }
    .compare {
      display: flex;
      gap: 8px;
      align-items: center;
      font-size: 13px;
      margin-bottom: 8px;
      flex-wrap: wrap;
    }
    select {
      font: inherit;
      max-width: 360px;
    }
  `;

  async #compareFile(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file) this.store?.compareWithFile(await file.text(), file.name);
    input.value = "";
  }

  override render() {
    const store = this.store;
    if (!store?.config) return html``;
    const records = store.records.map((r) => r.metrics);
    const marks = store.marks.map((m) => m.step);
    const compare = store.compare ?? undefined;
    const picked = compare ? store.pastRuns.indexOf(compare) : -1;
    return html`
      <div class="compare">
        <label>compare with
          <select aria-label="compare with" @change=${(e: Event) =>
            store.compareWith(Number((e.target as HTMLSelectElement).value))}>
            <option value="-1" ?selected=${!compare}>nothing</option>
            ${store.pastRuns.map((r, i) =>
              html`<option value=${i} ?selected=${picked === i}>${r.label}</option>`
            )}
            ${compare && picked < 0 ? html`<option selected value="-2">${compare.label}</option>` : ""}
          </select>
        </label>
        <label>or a metrics.jsonl <input type="file" accept=".jsonl,.json" aria-label="metrics file to compare"
          @change=${this.#compareFile}></label>
      </div>
      <div class="grid">
        ${chartSpecs((store.runConfig ?? store.config).reward_funcs).map((spec) =>
          html`<lab-chart .data=${chartData(spec, records, compare)} .marks=${marks}></lab-chart>`
        )}
      </div>
    `;
  }
}

customElements.define("chart-grid", ChartGrid);

declare global {
  interface HTMLElementTagNameMap {
    "chart-grid": ChartGrid;
  }
}
