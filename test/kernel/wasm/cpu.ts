// A CPU-bound module for metering tests and the metering benchmark: no imports.
export function work(n: i32): i32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < n; i++) {
    h ^= <u32>i;
    h *= 16777619;
    if ((h & 7) == 0) h += <u32>fib(10);
  }
  return <i32>h;
}

export function fib(n: i32): i32 {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export function sort(n: i32): i32 {
  const a = new StaticArray<i32>(n);
  let x: u32 = 12345;
  for (let i = 0; i < n; i++) {
    x = x * 1103515245 + 12345;
    unchecked((a[i] = <i32>(x >> 8)));
  }
  for (let i = 1; i < n; i++) {
    const v = unchecked(a[i]);
    let j = i - 1;
    while (j >= 0 && unchecked(a[j]) > v) {
      unchecked((a[j + 1] = a[j]));
      j--;
    }
    unchecked((a[j + 1] = v));
  }
  return unchecked(a[n >> 1]);
}
