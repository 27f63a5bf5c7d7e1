/**
 * The assertions the tests use, over node:assert (JSR's @std/assert is not reachable from the package
 * registries this project may use). Names and argument order follow @std/assert.
 */
import nodeAssert from "node:assert/strict";

export function assert(condition: unknown, message?: string): asserts condition {
  nodeAssert.ok(condition, message ?? "assertion failed");
}

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message ?? "values differ");
}

export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message ?? "values are equal");
}

/** |actual - expected| <= tolerance (absolute). */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance = 1e-7,
  message?: string,
): void {
  const diff = Math.abs(actual - expected);
  if (!(diff <= tolerance)) {
    throw new nodeAssert.AssertionError({
      message: message ?? `expected ${actual} to be within ${tolerance} of ${expected} (difference ${diff})`,
      actual,
      expected,
    });
  }
}

/** Element-wise assertAlmostEquals over two arrays of equal length. */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance = 1e-6,
  message = "",
): void {
  assertEquals(actual.length, expected.length, `${message} length`);
  for (let i = 0; i < actual.length; i++) {
    assertAlmostEquals(
      actual[i],
      expected[i],
      tolerance,
      `${message} [${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

type ErrorClass = new (...args: never[]) => Error;

/** fn() throws an instance of errorClass whose message includes `includes`; returns the error. */
export function assertThrows(fn: () => unknown, errorClass: ErrorClass = Error, includes = ""): Error {
  try {
    fn();
  } catch (e) {
    return checkError(e, errorClass, includes);
  }
  throw new nodeAssert.AssertionError({ message: "expected the function to throw" });
}

/** The promise rejects with an instance of errorClass whose message includes `includes`. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  errorClass: ErrorClass = Error,
  includes = "",
): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return checkError(e, errorClass, includes);
  }
  throw new nodeAssert.AssertionError({ message: "expected the promise to reject" });
}

function checkError(e: unknown, errorClass: ErrorClass, includes: string): Error {
  if (!(e instanceof errorClass)) {
    throw new nodeAssert.AssertionError({ message: `expected ${errorClass.name}, got ${String(e)}` });
  }
  if (!e.message.includes(includes)) {
    throw new nodeAssert.AssertionError({ message: `error message "${e.message}" lacks "${includes}"` });
  }
  return e;
}
