export * from "./advantages.ts";
export * from "./importance.ts";
export * from "./kl.ts";
export * from "./loss_aggregation.ts";
export * from "./masked.ts";
export * from "./policy_loss.ts";
export * from "./stop_gradient.ts";
