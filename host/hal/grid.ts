// A site's floor as an occupancy grid, and A* over it (8-connected, no corner
// cutting): the navigation a robot's own stack does, below the agent that
// decides where to go.

export type Point = [number, number];

export interface GridSpec {
  /** metres per cell */
  cell: number;
  width: number;
  height: number;
  /** blocked rectangles [x0, y0, x1, y1] in metres */
  obstacles: [number, number, number, number][];
}

export class GridMap {
  private readonly blocked: Uint8Array;
  constructor(readonly spec: GridSpec) {
    if (!(spec.cell > 0) || spec.width <= 0 || spec.height <= 0) throw new RangeError("map: cell, width and height must be positive");
    this.blocked = new Uint8Array(spec.width * spec.height);
    for (const [x0, y0, x1, y1] of spec.obstacles)
      for (let y = Math.floor(Math.min(y0, y1) / spec.cell); y <= Math.floor((Math.max(y0, y1) - 1e-9) / spec.cell); y++)
        for (let x = Math.floor(Math.min(x0, x1) / spec.cell); x <= Math.floor((Math.max(x0, x1) - 1e-9) / spec.cell); x++)
          if (this.inside(x, y)) this.blocked[y * spec.width + x] = 1;
  }

  inside(cx: number, cy: number): boolean {
    return cx >= 0 && cy >= 0 && cx < this.spec.width && cy < this.spec.height;
  }

  free(cx: number, cy: number): boolean {
    return this.inside(cx, cy) && this.blocked[cy * this.spec.width + cx] === 0;
  }

  cellOf(p: Point): Point {
    return [Math.floor(p[0] / this.spec.cell), Math.floor(p[1] / this.spec.cell)];
  }

  centre(c: Point): Point {
    return [(c[0] + 0.5) * this.spec.cell, (c[1] + 0.5) * this.spec.cell];
  }

  /** Shortest path from `from` to `to` (metres) as waypoints; undefined when unreachable. */
  plan(from: Point, to: Point): Point[] | undefined {
    const [sx, sy] = this.cellOf(from);
    const [gx, gy] = this.cellOf(to);
    if (!this.free(gx, gy) || !this.inside(sx, sy)) return undefined;
    const W = this.spec.width;
    const idx = (x: number, y: number) => y * W + x;
    const g = new Float64Array(W * this.spec.height).fill(Infinity);
    const came = new Int32Array(W * this.spec.height).fill(-1);
    const h = (x: number, y: number) => {
      const dx = Math.abs(x - gx);
      const dy = Math.abs(y - gy);
      return Math.max(dx, dy) + (Math.SQRT2 - 1) * Math.min(dx, dy);
    };
    // binary heap of [f, tie, cell]
    const heap: [number, number, number][] = [];
    let tie = 0;
    const push = (f: number, c: number) => {
      heap.push([f, tie++, c]);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heap[p]![0] < heap[i]![0] || (heap[p]![0] === heap[i]![0] && heap[p]![1] < heap[i]![1])) break;
        [heap[p], heap[i]] = [heap[i]!, heap[p]!];
        i = p;
      }
    };
    const pop = () => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          const less = (a: number, b: number) => heap[a]![0] < heap[b]![0] || (heap[a]![0] === heap[b]![0] && heap[a]![1] < heap[b]![1]);
          if (l < heap.length && less(l, m)) m = l;
          if (r < heap.length && less(r, m)) m = r;
          if (m === i) break;
          [heap[m], heap[i]] = [heap[i]!, heap[m]!];
          i = m;
        }
      }
      return top;
    };
    g[idx(sx, sy)] = 0;
    push(h(sx, sy), idx(sx, sy));
    while (heap.length) {
      const [, , c] = pop();
      const x = c % W;
      const y = (c - x) / W;
      if (x === gx && y === gy) break;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          if (!dx && !dy) continue;
          const nx = x + dx;
          const ny = y + dy;
          if (!this.free(nx, ny)) continue;
          if (dx && dy && (!this.free(x + dx, y) || !this.free(x, y + dy))) continue;
          const ng = g[c]! + (dx && dy ? Math.SQRT2 : 1);
          const n = idx(nx, ny);
          if (ng < g[n]!) {
            g[n] = ng;
            came[n] = c;
            push(ng + h(nx, ny), n);
          }
        }
    }
    if (g[idx(gx, gy)] === Infinity) return undefined;
    const cells: Point[] = [];
    for (let c = idx(gx, gy); c !== -1; c = came[c]!) cells.push([c % W, Math.floor(c / W)]);
    cells.reverse();
    const path = cells.slice(1, -1).map((c) => this.centre(c));
    path.push(to);
    return path;
  }
}
