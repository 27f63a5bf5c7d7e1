/**
 * <data-picker>: a data set of your own instead of the synthetic task: a conversation .jsonl with its
 * images folder, or a verl / Geometry3K .parquet. The page checks it with `deno task data check`'s code
 * and shows that report (counts, image sizes, token lengths, every problem with its line) before Start;
 * Start refuses a data set with problems unless skip_invalid is ticked.
 */
import { css, html } from "lit";
import { formStyles } from "./form_styles.ts";
import { StoreElement } from "./store_element.ts";

export class DataPicker extends StoreElement {
  static override styles = [
    formStyles,
    css`
      :host {
        display: block;
      }
      pre {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        font-size: 11px;
        margin: 6px 0 0;
        max-height: 260px;
        overflow: auto;
      }
      .ok {
        color: #15803d;
      }
      .bad {
        color: #b91c1c;
      }
      .hint {
        color: #6b7280;
        font-size: 12px;
      }
      button {
        font: inherit;
      }
    `,
  ];

  async #file(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (file) await this.store?.data.pickFile(file);
  }

  async #folder(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const files = [...input.files ?? []];
    input.value = "";
    if (files.length > 0) await this.store?.data.pickFolder(files);
  }

  #report() {
    const { data, config } = this.store!;
    const check = data.check;
    if (data.file && config.dataset !== data.file.name) {
      return html`
        <p id="data-status"
          class="bad">${data.file.name} is picked but not in use: the settings say ${config.dataset
            ? `dataset=${config.dataset}`
            : "no dataset"}; pick the file again to use it</p>
      `;
    }
    switch (check.state) {
      case "none":
        return html`<p class="hint">none: the run trains on the task above</p>`;
      case "checking":
        return html`<p id="data-status">checking${
          check.total > 0 ? ` ${check.done} / ${check.total}` : ""
        }...</p>`;
      case "failed":
        return html`<p id="data-status" class="bad">${check.message}</p>`;
      case "checked": {
        const n = check.checked.report.problems.length;
        return html`
          <p id="data-status" class=${n === 0 ? "ok" : "bad"}>${n === 0
            ? "ok: no problems"
            : `not ok: ${n} problem${n === 1 ? "" : "s"}`}</p>
          <pre id="data-check">${check.checked.lines.join("\n")}</pre>
        `;
      }
    }
  }

  override render() {
    const store = this.store;
    if (!store?.config) return html``;
    const data = store.data;
    const locked = store.running || store.status === "paused";
    return html`
      <fieldset ?disabled=${locked}>
        <legend>Data set</legend>
        <label>.jsonl or .parquet
          <input type="file" accept=".jsonl,.json,.parquet" aria-label="data set file" @change=${this.#file}>
        </label>
        <label>images folder
          <input type="file" webkitdirectory multiple aria-label="images folder" @change=${this.#folder}>
        </label>
        <p class="hint" id="data-picked">${data.file
          ? `${data.file.name}${data.folder ? ` with ${data.images.length} files in ${data.folder}/` : ""}`
          : ""}</p>
        <label>skip_invalid
          <input type="checkbox" name="skip_invalid" .checked=${store.config.skip_invalid}
            @change=${(e: Event) =>
              store.applySettings({ skip_invalid: (e.target as HTMLInputElement).checked })}>
        </label>
        ${data.file ? html`<button @click=${() => data.clear()}>Clear data set</button>` : ""}
        ${this.#report()}
      </fieldset>
    `;
  }
}

customElements.define("data-picker", DataPicker);

declare global {
  interface HTMLElementTagNameMap {
    "data-picker": DataPicker;
  }
}
