/**
 * What every reward function sees and returns. Kept apart from the registry so that a reward's own file
 * imports only these types, never the table that lists it.
 */
import type { RgbImage, Sample } from "../data/sample.ts";

/**
 * A sample as rewards see it: everything but the pixels, plus the image's size ([width, height] in
 * pixels; null when unknown, as in offline scoring of lines that give none). `image` is present only
 * when a reward in use declares `needsImage`.
 */
export type RewardSample = Omit<Sample, "image"> & {
  imageSize: [width: number, height: number] | null;
  image?: RgbImage;
};

/** A number in the reward's documented range, or null where it does not apply (left out of means). */
export type RewardValue = number | null;

/** A reward's options: flat JSON values, checked by the registry against the defaults' types. */
export type RewardOptions = Record<string, number | string | boolean | string[] | number[]>;

/** What a reward may ask of the run beyond its inputs. */
export interface RewardContext {
  /**
   * Asks the policy for one completion of a text-only prompt (no image), sampled with the run's
   * settings; blindfold's second pass uses it. Absent where no policy is at hand (`deno task score`,
   * `serve-rewards`): a reward that needs it then throws, naming itself.
   */
  generate?: (prompt: string) => Promise<string>;
  /**
   * Every sample of the current call (one per row, so repeated for a group's G rows): rewards that need a
   * corpus, such as explanation's idf over the batch's references, read it.
   */
  batch?: readonly RewardSample[];
  /** Says a line once per run (for example "explanation: no CLIP folder given; the CLIP part is off"). */
  sayOnce(message: string): void;
}

/** One reward function with what the registry, the README and the config need to know about it. */
export interface RewardDefinition<O extends RewardOptions = RewardOptions> {
  /** The name used in reward_funcs, metrics (rewards/NAME/mean) and score output. */
  name: string;
  // A method, not a property: its options parameter is then checked bivariantly, so a definition with
  // its own options type fits the registry's list; the registry passes options merged over `defaults`.
  fn(
    completion: string,
    sample: RewardSample,
    options: O,
    ctx: RewardContext,
  ): RewardValue | Promise<RewardValue>;
  /** Every option with its default; reward_options.NAME.KEY overrides, type-checked against these. */
  defaults: O;
  /** The values it gives, e.g. "{0, 1}" or "[0, 1]; null when the solution is not a box". */
  range: string;
  /** The formula in one or two sentences. */
  doc: string;
  /** Where it comes from (paper or project). */
  source: string;
  /** True when fn reads sample.image with these options (the pixels then travel to the reward worker). */
  needsImage?(options: O): boolean;
  /** True when fn calls ctx.generate: it then runs on the trainer's thread, beside the policy. */
  needsPolicy?: boolean;
}
