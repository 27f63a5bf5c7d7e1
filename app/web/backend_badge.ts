/**
 * <backend-badge>: which backend and adapter the lab runs on, said plainly: a software adapter
 * (SwiftShader, llvmpipe) or no WebGPU at all means the numbers say nothing about GPU speed.
 */
import { css, html } from "lit";
import { StoreElement } from "./store_element.ts";
import { backendSummary } from "./backend_text.ts";

export class BackendBadge extends StoreElement {
  static override styles = css`
    :host {
      display: block;
      font-size: 13px;
    }
    .line {
      padding: 4px 8px;
      border-radius: 4px;
      background: #eef2ff;
      color: #1e3a8a;
    }
    .warn {
      background: #fef3c7;
      color: #78350f;
    }
  `;

  override render() {
    const store = this.store;
    if (!store?.env) return html`<div class="line" id="adapter">detecting WebGPU...</div>`;
    const s = backendSummary(store.env, store.info);
    return html`<div class="line ${
      s.warn ? "warn" : ""
    }" id="adapter" data-backend=${s.backend}>${s.text}</div>`;
  }
}

customElements.define("backend-badge", BackendBadge);

declare global {
  interface HTMLElementTagNameMap {
    "backend-badge": BackendBadge;
  }
}
