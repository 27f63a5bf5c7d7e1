/**
 * <group-browser>: one step's groups (the latest, or any earlier step picked): each prompt's image,
 * question and ground truth beside its G completions, each with its per-function rewards, total and
 * advantage (coloured by sign), the special tags highlighted, predicted boxes drawn for grounding.
 */
import { css, html } from "lit";
import { StoreElement } from "./store_element.ts";
import type { GroupLog } from "../../core/grpo/step_metrics.ts";
import { predictedBoxes, sampleFromId, signClass, tagSegments, truthBox } from "./group_view.ts";
import { LabController } from "./lab_controller.ts";
import { groupKey } from "./lab_data.ts";
import { SERIES_COLOURS } from "./lab_chart.ts";
import "./sample_image.ts";

const fmt = (v: number | null) => (v === null || !Number.isFinite(v) ? "–" : v.toFixed(2));

export class GroupBrowser extends StoreElement {
  static override properties = { ...StoreElement.properties, picked: { state: true } };
  /** The step shown; 0 = follow the latest. */
  declare picked: number;

  constructor() {
    super();
    this.picked = 0;
    new LabController(this);
  }

  static override styles = css`
    :host {
      display: block;
      font-size: 13px;
    }
    header {
      display: flex;
      align-items: center;
      gap: 8px;
      margin-bottom: 8px;
    }
    h2 {
      font-size: 15px;
      margin: 0;
    }
    .group {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 12px;
      background: #fff;
      border: 1px solid #e5e7eb;
      border-radius: 6px;
      padding: 8px;
      margin-bottom: 10px;
    }
    .prompt p {
      margin: 4px 0;
      max-width: 240px;
    }
    table {
      border-collapse: collapse;
      width: 100%;
    }
    th,
    td {
      border-bottom: 1px solid #f3f4f6;
      padding: 3px 6px;
      text-align: left;
      vertical-align: top;
    }
    td.num {
      text-align: right;
      font-variant-numeric: tabular-nums;
      white-space: nowrap;
    }
    .completion {
      font-family: ui-monospace, monospace;
      font-size: 12px;
      white-space: pre-wrap;
      word-break: break-word;
    }
    .tag {
      color: #7c3aed;
      font-weight: 600;
    }
    .in-answer {
      background: #fef9c3;
    }
    .in-think {
      color: #4b5563;
    }
    .pos {
      color: #15803d;
      font-weight: 600;
    }
    .neg {
      color: #b91c1c;
      font-weight: 600;
    }
    .zero {
      color: #6b7280;
    }
    .swatch {
      display: inline-block;
      width: 8px;
      height: 8px;
      border-radius: 2px;
      margin-right: 4px;
    }
    .empty {
      color: #6b7280;
    }
  `;

  override render() {
    const records = this.store?.records ?? [];
    if (records.length === 0) {
      return html`
        <h2>Groups</h2>
        <p class="empty">The groups of each step appear here.</p>
      `;
    }
    const index = this.picked > 0 ? Math.min(this.picked, records.length) - 1 : records.length - 1;
    const record = records[index];
    const funcs = Object.keys(record.groups[0]?.completions[0]?.rewards ?? {});
    return html`
      <header>
        <h2>Groups of step ${record.metrics.step}</h2>
        <label>step
          <select aria-label="step to show" @change=${(e: Event) =>
            this.picked = Number((e.target as HTMLSelectElement).value)}>
            <option value="0" ?selected=${this.picked === 0}>latest</option>
            ${records.map((r, i) =>
              html`<option value=${i + 1} ?selected=${this.picked === i + 1}>${r.metrics.step}</option>`
            )}
          </select>
        </label>
        <span>weights used: ${record.rewardWeights.map((w, i) => `${funcs[i] ?? i} ${w}`).join(", ")}</span>
      </header>
      ${record.groups.map((g) => this.#group(g, funcs))}
    `;
  }

  #group(g: GroupLog, funcs: string[]) {
    // Synthetic samples are rebuilt from their id; a data set's rows are not (a row id could look alike).
    const config = this.store?.runConfig as { dataset?: string } | null | undefined;
    const sample = config?.dataset ? null : sampleFromId(g.prompt_id);
    const truth = sample && g.task === "grounding" ? truthBox(sample) : null;
    // A data set's image is read from the files picked in the page (lab_data.ts), once decoded.
    const image = sample?.image ??
      (config?.dataset ? this.store?.data.groupImages.get(groupKey(g)) : undefined);
    const boxes = g.task === "grounding"
      ? g.completions.flatMap((c, i) =>
        predictedBoxes(c.text).map((box) => ({ box, colour: SERIES_COLOURS[i % SERIES_COLOURS.length] }))
      )
      : [];
    return html`
      <section class="group" data-prompt=${g.prompt_id}>
        <div class="prompt">
              ${typeof image === "object"
                ? html`<sample-image .image=${image} .truth=${truth} .boxes=${boxes}></sample-image>`
                : typeof image === "string"
                ? html`<p class="empty">${image}</p>`
                : ""}
              <p><b>Q:</b> ${g.prompt}</p>
              <p><b>Ground truth:</b> ${g.solution}</p>
            </div>
        <table>
          <thead>
            <tr><th>#</th><th>completion</th>${funcs.map((f) =>
              html`<th>${f}</th>`
            )}<th>total</th><th>advantage</th></tr>
          </thead>
          <tbody>
                ${g.completions.map((c, i) =>
                  html`<tr class="completion-row">
              <td><span class="swatch" style="background:${
                    SERIES_COLOURS[i % SERIES_COLOURS.length]
                  }"></span>${i + 1}</td>
              <td class="completion">${
                    tagSegments(c.text).map((s) =>
                      s.kind === "tag"
                        ? html`<span class="tag">${s.text}</span>`
                        : html`<span class=${s.tag ? `in-${s.tag}` : ""}>${s.text}</span>`
                    )
                  }${
                    c.truncated
                      ? html`
                        <i>(truncated)</i>
                      `
                      : ""
                  }</td>
              ${funcs.map((f) => html`<td class="num reward" data-reward=${f}>${fmt(c.rewards[f])}</td>`)}
              <td class="num total">${fmt(c.reward)}</td>
              <td class="num advantage ${signClass(c.advantage)}">${fmt(c.advantage)}</td>
            </tr>`
                )}
              </tbody>
        </table>
      </section>
    `;
  }
}

customElements.define("group-browser", GroupBrowser);

declare global {
  interface HTMLElementTagNameMap {
    "group-browser": GroupBrowser;
  }
}
