/**
 * <sample-image>: a sample's image on a canvas, with the ground-truth box (green, dashed) and the boxes
 * the completions predicted (each in its completion's colour) drawn over it.
 */
import { css, html, LitElement } from "lit";
import type { Box, RgbImage } from "../../core/data/sample.ts";
import { rgbaOf } from "./group_view.ts";

export interface DrawnBox {
  box: Box;
  colour: string;
}

const SCALE = 2;

export class SampleImage extends LitElement {
  static override properties = {
    image: { attribute: false },
    truth: { attribute: false },
    boxes: { attribute: false },
  };
  declare image: RgbImage | undefined;
  declare truth: Box | null;
  declare boxes: DrawnBox[];

  constructor() {
    super();
    this.truth = null;
    this.boxes = [];
  }

  static override styles = css`
    :host {
      display: inline-block;
    }
    canvas {
      display: block;
      border: 1px solid #e5e7eb;
      border-radius: 4px;
      image-rendering: pixelated;
    }
  `;

  override render() {
    const img = this.image;
    if (!img) return html`<div>no image</div>`;
    return html`
      <canvas width=${img.width * SCALE} height=${img.height * SCALE}
        role="img" aria-label="the prompt's image${this.truth ? " with boxes" : ""}"></canvas>
    `;
  }

  override updated(): void {
    const img = this.image;
    const canvas = this.renderRoot.querySelector("canvas");
    const ctx = canvas?.getContext("2d");
    if (!img || !ctx) return;
    const bitmap = document.createElement("canvas");
    bitmap.width = img.width;
    bitmap.height = img.height;
    bitmap.getContext("2d")!.putImageData(new ImageData(rgbaOf(img.pixels), img.width, img.height), 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bitmap, 0, 0, img.width * SCALE, img.height * SCALE);
    const rect = ([x1, y1, x2, y2]: Box, colour: string, dash: number[]) => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.setLineDash(dash);
      ctx.strokeRect(x1 * SCALE, y1 * SCALE, (x2 - x1) * SCALE, (y2 - y1) * SCALE);
    };
    for (const b of this.boxes) rect(b.box, b.colour, []);
    if (this.truth) rect(this.truth, "#16a34a", [5, 3]);
  }
}

customElements.define("sample-image", SampleImage);

declare global {
  interface HTMLElementTagNameMap {
    "sample-image": SampleImage;
  }
}
