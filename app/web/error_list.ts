/** <error-list>: every error the lab hit, with what to do, in the page (not only in the console). */
import { css, html } from "lit";
import { StoreElement } from "./store_element.ts";

export class ErrorList extends StoreElement {
  static override styles = css`
    :host {
      display: block;
    }
    .error {
      background: #fef2f2;
      border: 1px solid #fecaca;
      color: #7f1d1d;
      border-radius: 6px;
      padding: 8px 10px;
      margin-bottom: 8px;
      font-size: 13px;
      display: flex;
      gap: 10px;
      align-items: start;
    }
    .error p {
      margin: 0;
    }
    .what {
      font-weight: 600;
      white-space: pre-wrap;
      word-break: break-word;
    }
    .do {
      margin-top: 2px;
    }
    button {
      margin-left: auto;
      font: inherit;
    }
  `;

  override render() {
    const errors = this.store?.errors ?? [];
    return errors.map((e, i) =>
      html`
        <div class="error" role="alert">
          <div>
            <p class="what">${e.message}</p>
            <p class="do">What to do: ${e.action}</p>${e.offer
              ? html`<button class="offer" @click=${() => e.offer!.run()}>${e.offer.label}</button>`
              : ""}
          </div>
          <button aria-label="Dismiss" @click=${() => this.store?.dismissError(i)}>×</button>
        </div>
      `
    );
  }
}

customElements.define("error-list", ErrorList);

declare global {
  interface HTMLElementTagNameMap {
    "error-list": ErrorList;
  }
}
