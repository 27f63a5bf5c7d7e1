/** <diagnostics-panel>: the run's warnings (diagnostics.ts), each with its evidence and what to try. */
import { css, html } from "lit";
import { StoreElement } from "./store_element.ts";
import { diagnose } from "./diagnostics.ts";

export class DiagnosticsPanel extends StoreElement {
  static override styles = css`
    :host {
      display: block;
      font-size: 13px;
    }
    .warning {
      background: #fffbeb;
      border: 1px solid #fde68a;
      border-radius: 6px;
      padding: 6px 10px;
      margin-bottom: 6px;
    }
    .title {
      font-weight: 600;
      color: #92400e;
    }
    .evidence {
      font-variant-numeric: tabular-nums;
    }
    .advice {
      color: #4b5563;
    }
  `;

  override render() {
    const found = diagnose(this.store?.records ?? []);
    return found.map((d) =>
      html`
        <div class="warning" data-diagnostic=${d.id}>
          <div class="title">${d.title}</div>
          <div class="evidence">${d.evidence}</div>
          <div class="advice">${d.advice}</div>
        </div>
      `
    );
  }
}

customElements.define("diagnostics-panel", DiagnosticsPanel);

declare global {
  interface HTMLElementTagNameMap {
    "diagnostics-panel": DiagnosticsPanel;
  }
}
