/**
 * Teaching presets: reward weights for the run's reward functions. A preset only sets weights (it never
 * adds or removes a function), so it can be applied mid-run like a slider.
 */

export interface Preset {
  id: string;
  label: string;
  /** The weight of a reward function under this preset, or null to keep the current weight. */
  weight(name: string): number | null;
}

const isFormat = (name: string) => name === "format" || name.startsWith("format_");

export const PRESETS: readonly Preset[] = [
  { id: "format-only", label: "format only", weight: (n) => (isFormat(n) ? 1 : 0) },
  { id: "accuracy-only", label: "accuracy only", weight: (n) => (n === "accuracy" ? 1 : 0) },
  {
    id: "format-accuracy",
    label: "format + accuracy",
    weight: (n) => (isFormat(n) || n === "accuracy" ? 1 : null),
  },
];

/** The weights a preset gives the functions `names`, keeping `current` where it says nothing. */
export function presetWeights(
  preset: Preset,
  names: readonly string[],
  current: readonly number[],
): number[] {
  return names.map((name, i) => preset.weight(name) ?? current[i] ?? 1);
}
