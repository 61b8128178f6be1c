import { CborReader, CborType, CborWriter } from "../sdk/cbor";
import { Body, Fields } from "../sdk/body";
import { utf8, utf8Length } from "../sdk/utf8";

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const v = b[i];
    s += (v < 16 ? "0" : "") + v.toString(16);
  }
  return s;
}

describe("CborWriter", () => {
  it("writes the shortest head for every integer size (RFC 8949 appendix A)", () => {
    const cases: i64[] = [0, 1, 10, 23, 24, 25, 100, 1000, 1000000, 1000000000000, -1, -10, -100, -1000];
    const want: string[] = ["00", "01", "0a", "17", "1818", "1819", "1864", "1903e8", "1a000f4240", "1b000000e8d4a51000", "20", "29", "3863", "3903e7"];
    for (let i = 0; i < cases.length; i++) {
      const w = new CborWriter();
      w.int(cases[i]);
      expect<string>(hex(w.toBytes())).toBe(want[i]);
    }
  });

  it("writes text, bytes, floats, booleans and null as the RFC's examples", () => {
    const w = new CborWriter();
    w.text("IETF").bytes(Uint8Array.wrap(String.UTF8.encode("\x01\x02"))).f64(1.1).f32(100000.0).bool(true).bool(false).nil();
    expect<string>(hex(w.toBytes())).toBe("6449455446" + "420102" + "fb3ff199999999999a" + "fa47c35000" + "f5" + "f4" + "f6");
  });

  it("writes UTF-8 text", () => {
    const w = new CborWriter();
    w.text("\u00fc");
    expect<string>(hex(w.toBytes())).toBe("62c3bc");
  });

  it("encodes UTF-8 of 1 to 4 bytes as String.UTF8.encode does, and a lone surrogate as U+FFFD", () => {
    // "a", U+00FC, U+20AC, U+1F600 (a surrogate pair), a lone high and a lone low surrogate
    const cases: string[] = ["a", "\u00fc", "\u20ac", "\ud83d\ude00", "x\ud83dy", "\ude00", "\ud83d", "pr\u00e9sence/\u20ac\ud83d\ude00"];
    const want: string[] = ["61", "c3bc", "e282ac", "f09f9880", "78efbfbd79", "efbfbd", "efbfbd", "7072c3a973656e63652fe282acf09f9880"];
    for (let i = 0; i < cases.length; i++) {
      expect<string>(hex(Uint8Array.wrap(utf8(cases[i])))).toBe(want[i]);
      // String.UTF8.encode writes lone surrogates as WTF-8 (not valid UTF-8); the SDK does not
      if (want[i].indexOf("efbfbd") < 0) expect<string>(hex(Uint8Array.wrap(String.UTF8.encode(cases[i])))).toBe(want[i]);
      expect<i32>(utf8Length(cases[i])).toBe(want[i].length / 2);
    }
  });
});

describe("CborReader", () => {
  it("reads back what the writer wrote", () => {
    const w = new CborWriter();
    w.arrayHead(4).int(-500).f64(2.5).text("héllo").bool(true);
    const r = CborReader.of(w.toBytes());
    expect<i32>(r.arrayHead()).toBe(4);
    expect<i64>(r.int()).toBe(-500);
    expect<f64>(r.float()).toBe(2.5);
    expect<string>(r.text()).toBe("héllo");
    expect<bool>(r.bool()).toBe(true);
    expect<bool>(r.ok).toBe(true);
    expect<CborType>(r.peekType()).toBe(CborType.End);
  });

  it("reads half-precision floats", () => {
    const b = new Uint8Array(3);
    b[0] = 0xf9;
    b[1] = 0x3c;
    b[2] = 0x00;
    expect<f64>(CborReader.of(b).float()).toBe(1.0);
    b[1] = 0xc4;
    expect<f64>(CborReader.of(b).float()).toBe(-4.0);
  });

  it("skips nested items and fails safely on truncation", () => {
    const w = new CborWriter();
    w.mapHead(2).text("a").arrayHead(2).int(1).mapHead(1).text("b").int(2).text("c").int(3);
    const all = w.toBytes();
    const r = CborReader.of(all);
    r.skip();
    expect<bool>(r.ok).toBe(true);
    expect<usize>(r.pos).toBe(r.end);
    const cut = all.subarray(0, all.length - 2);
    const t = CborReader.of(cut);
    t.skip();
    expect<bool>(t.ok).toBe(false);
  });
});

describe("Body and Fields", () => {
  it("round-trips a map with every field type", () => {
    const inner = new Body().int("x", 7);
    const bytes = new Body().int("n", -3).f32("f", 1.5).f64("d", 0.25).bool("ok", true).str("s", "hi").map("inner", inner).encode();
    const f = new Fields(bytes);
    expect<bool>(f.valid).toBe(true);
    expect<i64>(f.int("n")).toBe(-3);
    expect<f64>(f.f64("f")).toBe(1.5);
    expect<f64>(f.f64("d")).toBe(0.25);
    expect<bool>(f.bool("ok")).toBe(true);
    expect<string>(f.str("s")).toBe("hi");
    expect<i64>(f.map("inner").int("x")).toBe(7);
  });

  it("writes the map head in front of its entries for 23, 24 and 256 entries", () => {
    const sizes: i32[] = [0, 23, 24, 256];
    const heads: string[] = ["a0", "b7", "b818", "b90100"];
    for (let i = 0; i < sizes.length; i++) {
      const b = new Body();
      for (let k = 0; k < sizes[i]; k++) b.int("k" + k.toString(), k);
      const bytes = b.encode();
      expect<string>(hex(bytes).slice(0, heads[i].length)).toBe(heads[i]);
      const f = new Fields(bytes);
      expect<bool>(f.valid).toBe(true);
      if (sizes[i] > 0) expect<i64>(f.int("k" + (sizes[i] - 1).toString())).toBe(sizes[i] - 1);
    }
  });

  it("gives defaults for missing or mistyped keys", () => {
    const f = new Fields(new Body().str("s", "text").encode());
    expect<i64>(f.int("s", 42)).toBe(42);
    expect<f64>(f.f64("missing", 1.25)).toBe(1.25);
    expect<string>(f.str("missing", "d")).toBe("d");
    expect<bool>(f.has("s")).toBe(true);
    expect<bool>(f.has("t")).toBe(false);
  });

  it("treats garbage as an invalid, empty map", () => {
    const junk = new Uint8Array(3);
    junk[0] = 0xbf;
    junk[1] = 0xff;
    junk[2] = 0x01;
    const f = new Fields(junk);
    expect<bool>(f.valid).toBe(false);
    expect<i64>(f.int("x", 5)).toBe(5);
  });
});
