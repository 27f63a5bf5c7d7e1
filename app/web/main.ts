/**
 * The lab's entry: one LabStore, the <grpo-lab> page over it, and globalThis.grpoLab for scripts
 * (lab_api.ts documents it).
 */
import { type GrpoLabApi, labApi } from "./lab_api.ts";
import { LabStore } from "./lab_store.ts";
import "./grpo_lab.ts";

declare global {
  var grpoLab: GrpoLabApi;
}

const store = new LabStore();
const page = document.createElement("grpo-lab");
page.store = store;
document.body.append(page);
globalThis.grpoLab = labApi(store, store.load());
