/**
 * Connects a Lit element to the LabStore it was given (its `store` property): the element re-renders on
 * every "change", so that render() only reads the store.
 */
import type { ReactiveController, ReactiveControllerHost } from "lit";
import type { LabStore } from "./lab_store.ts";

export type StoreHost = ReactiveControllerHost & { store?: LabStore };

export class LabController implements ReactiveController {
  readonly #host: StoreHost;
  #bound: LabStore | null = null;
  readonly #onChange = () => this.#host.requestUpdate();

  constructor(host: StoreHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    this.#bind(this.#host.store ?? null);
  }

  /** Runs before each render: follows a store given (or replaced) after the element connected. */
  hostUpdate(): void {
    this.#bind(this.#host.store ?? null);
  }

  hostDisconnected(): void {
    this.#bind(null);
  }

  #bind(store: LabStore | null): void {
    if (store === this.#bound) return;
    this.#bound?.removeEventListener("change", this.#onChange);
    this.#bound = store;
    store?.addEventListener("change", this.#onChange);
  }
}
