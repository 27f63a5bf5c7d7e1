/** <grpo-lab>: the page: header with the backend line, settings at the side, controls, charts, groups. */
import { css, html } from "lit";
import { StoreElement } from "./store_element.ts";
import "./backend_badge.ts";
import "./chart_grid.ts";
import "./diagnostics_panel.ts";
import "./error_list.ts";
import "./group_browser.ts";
import "./run_controls.ts";
import "./run_files.ts";
import "./run_setup.ts";

export class GrpoLab extends StoreElement {
  static override styles = css`
    :host {
      display: block;
      font-family: system-ui, sans-serif;
      color: #111827;
      background: #f9fafb;
      min-height: 100vh;
    }
    header {
      display: flex;
      align-items: center;
      gap: 16px;
      padding: 10px 16px;
      background: #fff;
      border-bottom: 1px solid #e5e7eb;
      flex-wrap: wrap;
    }
    h1 {
      font-size: 18px;
      margin: 0;
    }
    .layout {
      display: grid;
      grid-template-columns: 340px 1fr;
      gap: 16px;
      padding: 12px 16px;
    }
    aside {
      min-width: 0;
    }
    main {
      min-width: 0;
      display: flex;
      flex-direction: column;
      gap: 12px;
    }
    .notes {
      font-size: 12px;
      color: #4b5563;
      margin: 0;
      padding: 0;
      list-style: none;
    }
    @media (max-width: 900px) {
      .layout {
        grid-template-columns: 1fr;
      }
    }
  `;

  override render() {
    const store = this.store;
    return html`
      <header>
        <h1>grpo-lab</h1>
        <backend-badge .store=${store}></backend-badge>
      </header>
      <div class="layout">
        <aside>
          <run-setup .store=${store}></run-setup>
        </aside>
        <main>
          <run-controls .store=${store}></run-controls>
          <run-files .store=${store}></run-files>
          <error-list .store=${store}></error-list>
          <diagnostics-panel .store=${store}></diagnostics-panel>
          ${store && store.notes.length > 0
            ? html`<ul class="notes" id="notes">${store.notes.map((n) => html`<li>${n}</li>`)}</ul>`
            : ""}
          <chart-grid .store=${store}></chart-grid>
          <group-browser .store=${store}></group-browser>
        </main>
      </div>
    `;
  }
}

customElements.define("grpo-lab", GrpoLab);

declare global {
  interface HTMLElementTagNameMap {
    "grpo-lab": GrpoLab;
  }
}
