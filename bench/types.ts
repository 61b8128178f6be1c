/** One figure of `npm run bench`. Ratios are measured against a baseline taken in the same run. */
export type BenchResult = { name: string; value: number; unit: string; note?: string };
