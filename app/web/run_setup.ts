/**
 * <run-setup>: the run's settings: task, starting checkpoint, reward functions with a weight slider each
 * (live during a run), presets, the main knobs, and the config file (import/export, the JSON that
 * `deno task train --config` reads). Settings other than weights are locked while a run is going.
 */
import { css, html } from "lit";
import { formStyles } from "./form_styles.ts";
import { StoreElement } from "./store_element.ts";
import { FIELDS } from "../../core/config/fields.ts";
import { REWARDS } from "../../core/rewards/registry.ts";
import { download } from "./download.ts";
import { PRESETS, presetWeights } from "./presets.ts";
import "./data_picker.ts";

/** The knobs the form shows, with their input step. */
const KNOBS: readonly { key: keyof typeof FIELDS; step: string }[] = [
  { key: "num_generations", step: "1" },
  { key: "per_device_train_batch_size", step: "1" },
  { key: "temperature", step: "0.1" },
  { key: "learning_rate", step: "any" },
  { key: "beta", step: "0.01" },
  { key: "epsilon", step: "0.05" },
  { key: "max_completion_length", step: "1" },
  { key: "max_steps", step: "1" },
  { key: "seed", step: "1" },
  { key: "image_size", step: "28" },
];

export class RunSetup extends StoreElement {
  static override styles = [
    formStyles,
    css`
      :host {
        display: block;
        font-size: 13px;
      }
      input[type="number"],
      select {
        width: 90px;
        font: inherit;
        box-sizing: border-box;
      }
      .reward {
        display: grid;
        grid-template-columns: 1fr 110px 38px;
        align-items: center;
        gap: 6px;
      }
      .reward output {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      .rewards-list {
        display: flex;
        flex-wrap: wrap;
        gap: 2px 10px;
        margin-top: 6px;
      }
      .rewards-list label {
        justify-content: flex-start;
        gap: 3px;
        margin: 0;
      }
      .row {
        display: flex;
        gap: 6px;
        flex-wrap: wrap;
        margin-top: 6px;
      }
      button {
        font: inherit;
      }
      .hint {
        color: #6b7280;
        font-size: 12px;
      }
    `,
  ];

  #number(key: string, e: Event): void {
    const raw = (e.target as HTMLInputElement).value;
    this.store?.applySettings({ [key]: raw === "" ? raw : Number(raw) });
  }

  async #checkpointFile(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file) await this.store?.useCheckpointFile(file);
    input.value = "";
  }

  async #configFile(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file) this.store?.importConfig(await file.text(), file.name);
    input.value = "";
  }

  async #customReward(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (file) await this.store?.addCustomReward(file);
  }

  #export(): void {
    if (this.store) download("grpo-lab-config.json", this.store.exportConfig(), "application/json");
  }

  override render() {
    const store = this.store;
    if (!store?.config) return html`<p class="hint">loading the default run...</p>`;
    const c = store.config;
    const locked = store.running || store.status === "paused";
    const weights = store.weights;
    return html`
      <fieldset ?disabled=${locked}>
        <legend>Task and start</legend>
        <label>task
          <select name="task" @change=${(e: Event) =>
            store.applySettings({ task: (e.target as HTMLSelectElement).value })}>
            ${FIELDS.task.values!.map((t) =>
              html`<option ?selected=${t === c.task} value=${t}>${t}</option>`
            )}
          </select>
        </label>
        <label>backend
          <select name="backend" @change=${(e: Event) =>
            store.applySettings({ backend: (e.target as HTMLSelectElement).value })}>
            ${FIELDS.backend.values!.map((b) =>
              html`<option ?selected=${b === c.backend} value=${b}>${b}</option>`
            )}
          </select>
        </label>
        <label>checkpoint <span id="checkpoint-name">${store.checkpoint.name === "shipped"
          ? "shipped (tiny-sft)"
          : store.checkpoint.name}</span></label>
        <div class="row">
          <label>load .safetensors
            <input type="file" accept=".safetensors" aria-label="checkpoint file" @change=${this
              .#checkpointFile}>
          </label>
          ${store.checkpoint.files
            ? html`<button @click=${() => store.useShippedCheckpoint()}>use shipped</button>`
            : ""}
        </div>
      </fieldset>
      <data-picker .store=${store}></data-picker>
      <fieldset>
        <legend>Rewards</legend>
        ${c.reward_funcs.map((name, i) =>
          html`
            <div class="reward">
              <span>${name}</span>
              <input type="range" min="0" max="3" step="0.1" .value=${String(weights[i])}
                name=${`weight-${name}`} aria-label=${`weight of ${name}`}
                @change=${(e: Event) => store.setWeight(i, Number((e.target as HTMLInputElement).value))}>
              <output>${weights[i].toFixed(1)}</output>
            </div>
          `
        )}
        <div class="row">
          ${PRESETS.map((p) =>
            html`<button @click=${() =>
              store.setWeights(presetWeights(p, c.reward_funcs, weights))}>${p.label}</button>`
          )}
        </div>
        <div class="rewards-list" ?inert=${locked}>
          ${[...Object.keys(REWARDS), ...Object.keys(c.custom_rewards)].map((name) =>
            html`<label><input type="checkbox" ?disabled=${locked} .checked=${c.reward_funcs.includes(name)}
              @change=${(e: Event) =>
              store.toggleReward(name, (e.target as HTMLInputElement).checked)}>${name}</label>`
          )}
        </div>
        <label>add a custom reward (.js)
          <input type="file" accept=".js,.mjs,text/javascript" aria-label="custom reward file"
            ?disabled=${locked} @change=${this.#customReward}>
        </label>
      </fieldset>
      <fieldset ?disabled=${locked}>
        <legend>Knobs</legend>
        ${KNOBS.map(({ key, step }) =>
          html`<label title=${FIELDS[key].doc}>${key}
            <input type="number" name=${key} step=${step} .value=${String(c[key])}
              @change=${(e: Event) => this.#number(key, e)}>
          </label>`
        )}
      </fieldset>
      <fieldset>
        <legend>Config file</legend>
        <div class="row">
          <button @click=${() => this.#export()}>Export config</button>
          <label>Import <input type="file" accept=".json,application/json" aria-label="config file"
            ?disabled=${locked} @change=${this.#configFile}></label>
        </div>
        <p class="hint">the same JSON as <code>npx deno task train --config FILE</code></p>
      </fieldset>
    `;
  }
}

customElements.define("run-setup", RunSetup);

declare global {
  interface HTMLElementTagNameMap {
    "run-setup": RunSetup;
  }
}
