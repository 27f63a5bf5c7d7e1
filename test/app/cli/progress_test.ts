import { assert, assertEquals } from "../../assert.ts";
import { formatDuration, formatRate, Progress } from "../../../app/cli/progress.ts";

/** A Progress over a fake clock (seconds) that records what it writes. */
function fake(isTTY: boolean, total = 20) {
  const out: string[] = [];
  let t = 0;
  const progress = new Progress({
    total,
    label: "train",
    isTTY,
    write: (s) => out.push(s),
    now: () => t * 1000,
  });
  return { progress, out, tick: (seconds: number) => (t += seconds) };
}

Deno.test("Progress.line() shows step/total, rate, ETA and the live text", () => {
  const { progress, tick } = fake(false);
  tick(10);
  // 5 steps in 10 s: 0.5 step/s = 2.0 s/step; 15 left -> 30 s.
  assertEquals(
    progress.line(5, "loss 2.31"),
    "train  [######------------------]   5/20  2.0 s/step  ETA 30s  loss 2.31",
  );
  assertEquals(progress.line(20), "train  [########################]  20/20  0.50 s/step  done in 10s");
});

Deno.test("Progress.update() prints a line every 10% when not on a TTY", () => {
  const { progress, out, tick } = fake(false);
  for (let step = 1; step <= 20; step++) {
    tick(1);
    progress.update(step, `loss ${step}`);
  }
  progress.finish();
  assertEquals(out.length, 10); // steps 2, 4, ..., 20
  assert(out.every((s) => s.endsWith("\n") && !s.includes("\r")));
  assert(out[0].includes(" 2/20") && out[0].includes("loss 2"), out[0]);
  assert(out[9].includes("20/20") && out[9].includes("done in 20s"), out[9]);
});

Deno.test("Progress.update() redraws in place on a TTY, throttled, and always draws the last step", () => {
  const { progress, out, tick } = fake(true, 3);
  progress.update(1);
  tick(0.01);
  progress.update(2); // within 100 ms of the last draw: skipped
  tick(0.01);
  progress.update(3);
  progress.finish();
  assertEquals(out.length, 3);
  assert(out[0].startsWith("\r") && out[0].endsWith("\x1b[K"));
  assert(out[1].includes("3/3"));
  assertEquals(out[2], "\n");
});

Deno.test("formatDuration() and formatRate() read naturally", () => {
  assertEquals(formatDuration(45.4), "45s");
  assertEquals(formatDuration(189), "3m09s");
  assertEquals(formatDuration(7500), "2h05m");
  assertEquals(formatDuration(Infinity), "?");
  assertEquals(formatRate(2.5), "0.40 s/step");
  assertEquals(formatRate(0.25), "4.0 s/step");
  assertEquals(formatRate(0), "- s/step");
  // Samples (eval, data check, score) as a rate: 40 samples in 1.6 s.
  assertEquals(formatRate(25, "sample"), "25.0 samples/s");
  assertEquals(formatRate(0, "sample"), "- samples/s");
});
