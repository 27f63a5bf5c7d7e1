/**
 * <run-files>: keeping work: save the run in this browser (OPFS, survives a reload) and continue a saved
 * one, download the policy as .safetensors, export the metrics as JSONL or CSV.
 */
import { css, html } from "lit";
import { StoreElement } from "./store_element.ts";
import { download } from "./download.ts";
import { metricsCsv, metricsJsonl } from "./metrics_export.ts";

export class RunFiles extends StoreElement {
  static override styles = css`
    :host {
      display: block;
      font-size: 13px;
    }
    .row {
      display: flex;
      gap: 6px;
      flex-wrap: wrap;
      align-items: center;
    }
    button {
      font: inherit;
    }
    ul {
      margin: 6px 0 0;
      padding: 0;
      list-style: none;
    }
    li {
      display: flex;
      gap: 6px;
      align-items: center;
      margin: 2px 0;
    }
    .hint {
      color: #6b7280;
      font-size: 12px;
    }
  `;

  async #download(): Promise<void> {
    const files = await this.store?.policyFiles();
    if (files) {
      download(
        `grpo-lab-step-${this.store!.records.length}.safetensors`,
        files.safetensors,
        "application/octet-stream",
      );
    }
  }

  override render() {
    const s = this.store;
    if (!s) return html``;
    const metrics = s.records.map((r) => r.metrics);
    const none = metrics.length === 0;
    return html`
      <div class="row">
        <button aria-label="Save checkpoint" ?disabled=${!s.canSave} @click=${() =>
          s.saveCheckpoint()}>Save checkpoint</button>
        <button aria-label="Download checkpoint" ?disabled=${!s.canSave} @click=${() =>
          this.#download()}>Download .safetensors</button>
        <button ?disabled=${none} @click=${() =>
          download("metrics.jsonl", metricsJsonl(metrics), "application/jsonl")}>Metrics JSONL</button>
        <button ?disabled=${none} @click=${() =>
          download("metrics.csv", metricsCsv(metrics), "text/csv")}>Metrics CSV</button>
        ${s.canSave || s.running ? "" : html`<span class="hint">pause or stop a run to save it</span>`}
      </div>
      ${s.saved.length > 0
        ? html`<ul id="saved">${
          s.saved.map((r) =>
            html`
              <li data-saved=${r.name}>
                <span>${r.name} (step ${r.step})</span>
                <button aria-label=${`Continue ${r.name}`} ?disabled=${s.running || s.status === "paused"}
                  @click=${() => s.continueFrom(r.name)}>Continue</button>
                <button aria-label=${`Delete ${r.name}`} @click=${() => s.deleteSaved(r.name)}>Delete</button>
              </li>
            `
          )
        }</ul>`
        : ""}
    `;
  }
}

customElements.define("run-files", RunFiles);

declare global {
  interface HTMLElementTagNameMap {
    "run-files": RunFiles;
  }
}
