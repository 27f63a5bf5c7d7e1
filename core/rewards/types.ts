/**
 * What every reward function sees and returns. Kept apart from the registry so that a reward's own file
 * imports only these types, never the table that lists it.
 */
import type { Sample } from "../data/sample.ts";

/** A sample as rewards see it: everything but the pixels, plus the image's size. */
export type RewardSample = Omit<Sample, "image"> & { imageSize: [width: number, height: number] };

/** A number in the reward's documented range, or null where it does not apply (left out of means). */
export type RewardValue = number | null;
