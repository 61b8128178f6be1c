/** Plane geometry for agents that move: positions are [x, y] in metres. */
export namespace geo {
  export function distance(ax: f64, ay: f64, bx: f64, by: f64): f64 {
    return Math.sqrt((ax - bx) * (ax - bx) + (ay - by) * (ay - by));
  }
}
