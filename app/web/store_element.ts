/**
 * The base of the lab's elements that show the LabStore: a `store` property (set by the parent, not an
 * attribute) and a LabController that re-renders the element on every change of that store.
 */
import { LitElement } from "lit";
import { LabController } from "./lab_controller.ts";
import type { LabStore } from "./lab_store.ts";

export class StoreElement extends LitElement {
  static override properties = { store: { attribute: false } };
  declare store: LabStore | undefined;

  constructor() {
    super();
    new LabController(this);
  }
}
