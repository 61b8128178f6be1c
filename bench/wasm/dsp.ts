// A CPU-heavy agent's kind of work, for the metering benchmark: filtering,
// a spectrum, statistics, sorting and a checksum over a window of samples.
const N = 1024;
const signal = new StaticArray<f32>(N);
const filtered = new StaticArray<f32>(N);
const re = new StaticArray<f32>(N);
const im = new StaticArray<f32>(N);
const taps = new StaticArray<f32>(32);
const crcTable = new StaticArray<u32>(256);

export function setup(): void {
  let x: u32 = 1;
  for (let i = 0; i < N; i++) {
    x = x * 1664525 + 1013904223;
    unchecked((signal[i] = <f32>Math.sin(<f64>i * 0.3) + <f32>(x >> 16) / 65536.0 - 0.5));
  }
  for (let i = 0; i < 32; i++) unchecked((taps[i] = <f32>(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 31)) / 16));
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
    unchecked((crcTable[n] = c));
  }
}

function fir(): void {
  for (let i = 0; i < N; i++) {
    let acc: f32 = 0;
    for (let k = 0; k < 32; k++) if (i >= k) acc += unchecked(taps[k]) * unchecked(signal[i - k]);
    unchecked((filtered[i] = acc));
  }
}

function fft(): void {
  for (let i = 0; i < N; i++) {
    unchecked((re[i] = filtered[i]));
    unchecked((im[i] = 0));
  }
  for (let i = 1, j = 0; i < N; i++) {
    let bit = N >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = unchecked(re[i]);
      unchecked((re[i] = re[j]));
      unchecked((re[j] = tr));
    }
  }
  for (let len = 2; len <= N; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = <f32>Math.cos(ang);
    const wi = <f32>Math.sin(ang);
    for (let i = 0; i < N; i += len) {
      let cr: f32 = 1;
      let ci: f32 = 0;
      for (let k = 0; k < len >> 1; k++) {
        const a = i + k;
        const b = a + (len >> 1);
        const xr = unchecked(re[b]) * cr - unchecked(im[b]) * ci;
        const xi = unchecked(re[b]) * ci + unchecked(im[b]) * cr;
        unchecked((re[b] = re[a] - xr));
        unchecked((im[b] = im[a] - xi));
        unchecked((re[a] = re[a] + xr));
        unchecked((im[a] = im[a] + xi));
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

function rms(): f32 {
  let acc: f32 = 0;
  for (let i = 0; i < N; i++) acc += unchecked(filtered[i]) * unchecked(filtered[i]);
  return <f32>Math.sqrt(acc / <f32>N);
}

function sortMagnitudes(): f32 {
  const n = 256;
  for (let i = 0; i < n; i++) unchecked((re[i] = Mathf.abs(re[i]) + Mathf.abs(im[i])));
  for (let i = 1; i < n; i++) {
    const v = unchecked(re[i]);
    let j = i - 1;
    while (j >= 0 && unchecked(re[j]) > v) {
      unchecked((re[j + 1] = re[j]));
      j--;
    }
    unchecked((re[j + 1] = v));
  }
  return unchecked(re[n - 1]);
}

function crc(): u32 {
  let c: u32 = 0xffffffff;
  const p = changetype<usize>(filtered);
  for (let i: usize = 0; i < <usize>N * 4; i++) c = unchecked(crcTable[(c ^ load<u8>(p + i)) & 0xff]) ^ (c >> 8);
  return c ^ 0xffffffff;
}

/** One window of work; returns a checksum of the results so nothing is optimised away. */
export function window(): u32 {
  fir();
  const r = rms();
  fft();
  const peak = sortMagnitudes();
  return crc() ^ reinterpret<u32>(r) ^ reinterpret<u32>(peak);
}
