/** <run-controls>: Start, Pause, Resume, Stop, Reset, and where the run is. */
import { css, html } from "lit";
import { StoreElement } from "./store_element.ts";

export class RunControls extends StoreElement {
  static override styles = css`
    :host {
      display: flex;
      align-items: center;
      gap: 6px;
      flex-wrap: wrap;
      font-size: 13px;
    }
    button {
      font: inherit;
      padding: 4px 12px;
      border-radius: 4px;
      border: 1px solid #d1d5db;
      background: #fff;
      cursor: pointer;
    }
    button.primary {
      background: #2563eb;
      color: #fff;
      border-color: #2563eb;
    }
    button:disabled {
      opacity: 0.45;
      cursor: default;
    }
    #status {
      margin-left: 8px;
      color: #374151;
      font-variant-numeric: tabular-nums;
    }
  `;

  override render() {
    const s = this.store;
    if (!s) return html``;
    const st = s.status;
    const max = (s.runConfig ?? s.config)?.max_steps ?? 0;
    const step = s.records.length;
    const busy = s.inFlight > 0 ? ` (computing step ${s.inFlight})` : "";
    return html`
      <button class="primary" aria-label="Start" ?disabled=${s.running || st === "paused" || st === "loading"}
        @click=${() => s.start()}>Start</button>
      <button aria-label="Pause" ?disabled=${st !== "running"} @click=${() => s.pause()}>Pause</button>
      <button aria-label="Resume" ?disabled=${st !== "paused" && st !== "pausing"} @click=${() =>
        s.resume()}>Resume</button>
      <button aria-label="Stop" ?disabled=${!s.running && st !== "paused"} @click=${() =>
        s.stop()}>Stop</button>
      <button aria-label="Reset" ?disabled=${st === "loading"} @click=${() => s.reset()}>Reset</button>
      <span id="status" role="status" data-status=${st}
        data-step=${step}>${st}: step ${step} / ${max}${busy}</span>
    `;
  }
}

customElements.define("run-controls", RunControls);

declare global {
  interface HTMLElementTagNameMap {
    "run-controls": RunControls;
  }
}
