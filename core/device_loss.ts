/**
 * A lost WebGPU device (a driver reset, the GPU's memory running out, the GPU removed, or destroy() on
 * purpose) is watched through GPUDevice.lost, so that the trainer says so plainly, with the reason,
 * instead of failing later with a mapAsync error or waiting on GPU work that never finishes.
 */
import * as tf from "@tensorflow/tfjs";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";

export class DeviceLostError extends Error {
  override name = "DeviceLostError";
}

/** The webgpu backend's device, or null when another backend runs. */
function webgpuDevice(): GPUDevice | null {
  return tf.getBackend() === "webgpu" ? (tf.backend() as WebGPUBackend).device : null;
}

export interface DeviceWatch {
  /** Rejects with a DeviceLostError once the device is lost; never resolves. */
  lost: Promise<never>;
}

/** Watches the webgpu backend's device; null when the backend in force is not webgpu. */
export function watchDevice(): DeviceWatch | null {
  const device = webgpuDevice();
  if (!device) return null;
  const lost = device.lost.then((info) => {
    const why = info.message ? `${info.reason}: ${info.message}` : info.reason;
    throw new DeviceLostError(`the GPU device was lost (${why})`);
  });
  lost.catch(() => {}); // observed by the work raced against it
  return { lost };
}

/**
 * Runs `work` (GPU work of `what`) against the device's loss: the loss wins, also when the work fails
 * first because of it (a rejected mapAsync), so that the error names the loss and its reason.
 */
export async function duringGpuWork<T>(
  watch: DeviceWatch | null,
  what: string,
  work: Promise<T>,
): Promise<T> {
  if (!watch) return await work;
  const lost = watch.lost.catch((e: DeviceLostError) => {
    throw new DeviceLostError(`${e.message} during ${what}`);
  });
  try {
    return await Promise.race([work, lost]);
  } catch (e) {
    if (e instanceof DeviceLostError) throw e;
    // Work that broke because of a loss may reject just before `lost` does: give the loss a moment.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settled = await Promise.race([
      lost.catch((x: DeviceLostError) => x),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), LOSS_GRACE_MS))),
    ]);
    clearTimeout(timer);
    throw settled ?? e;
  }
}

/** How long a failed piece of GPU work waits for `lost` before it is reported as itself. */
const LOSS_GRACE_MS = 500;

/**
 * Destroys the webgpu backend's GPUDevice: a real loss, for tests and to try the recovery. The next GPU
 * work fails as on a driver reset. Resolves with the loss's reason once `lost` has resolved.
 */
export async function loseDevice(): Promise<string> {
  const device = webgpuDevice();
  if (!device) {
    throw new Error(`there is no GPU device to lose: the trainer runs on ${tf.getBackend()}, not webgpu`);
  }
  device.destroy();
  const info = await device.lost;
  return info.message ? `${info.reason}: ${info.message}` : info.reason;
}
