// The one box of the project: where something is in a picture, in whole pixels. x and y are its top-left pixel;
// x + width and y + height are just outside it (exclusive), so a box's width is its count of columns.

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One past the box's last column. */
export const right = (b: Box) => b.x + b.width;
/** One past the box's last row. */
export const bottom = (b: Box) => b.y + b.height;
