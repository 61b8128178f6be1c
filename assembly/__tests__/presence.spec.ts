import { CborWriter } from "../sdk/cbor";
import { Fields } from "../sdk/body";
import { textList } from "../sdk/presence";

// The capabilities of a presence beat are an array of text, which Fields has no reader for.
describe("textList", () => {
  it("reads an array of text out of a map, past other keys", () => {
    const w = new CborWriter();
    w.mapHead(3);
    w.text("battery").f64(0.5);
    w.text("capabilities").arrayHead(2).text("lift").text("scan");
    w.text("position").arrayHead(1).int(1);
    const caps = textList(new Fields(w.toBytes()), "capabilities");
    expect<i32>(caps.length).toBe(2);
    expect<string>(caps[0]).toBe("lift");
    expect<string>(caps[1]).toBe("scan");
  });

  it("gives an empty list for a missing key, a non-array or an array holding a non-text", () => {
    const w = new CborWriter();
    w.mapHead(2);
    w.text("a").int(3);
    w.text("b").arrayHead(2).text("x").int(1);
    const f = new Fields(w.toBytes());
    expect<i32>(textList(f, "missing").length).toBe(0);
    expect<i32>(textList(f, "a").length).toBe(0);
    expect<i32>(textList(f, "b").length).toBe(0);
  });
});
