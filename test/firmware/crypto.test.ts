// The firmware's own SHA-256, SHA-512 and Ed25519 (firmware/crypto, compiled
// for the host) against the published vectors (FIPS 180-4 examples, RFC 8032
// section 7.1) and against node:crypto on random keys and messages, both ways.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes, sign, verify } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { privateKeyFromSeed, publicKeyObject, rawPublicKey } from "../../host/net/ed25519.ts";
import { missingTools, OUT, ROOT } from "./helpers.ts";

const missing = missingTools(["cc"]);
const BIN = path.join(OUT, "crypto");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex") || "-";

/** One request per line in, one answer per line out. */
function harness(lines: string[]): string[] {
  return execFileSync(BIN, { input: lines.join("\n") + "\n", encoding: "utf8", maxBuffer: 64 << 20 }).trim().split("\n");
}

// RFC 8032, 7.1: TEST 1, 2, 3 and TEST SHA(abc) (seed, message, public key, signature)
const RFC8032: [string, string, string, string][] = [
  ["9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"],
  ["4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "72", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"],
  ["c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "af82", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"],
  [
    "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
    "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
  ],
];

describe.skipIf(missing.length > 0)("firmware crypto", () => {
  beforeAll(() => {
    mkdirSync(OUT, { recursive: true });
    const dir = path.join(ROOT, "firmware/crypto");
    execFileSync("cc", ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", `-I${dir}`, path.join(ROOT, "test/firmware/harness/crypto.c"), ...["sha256", "sha512", "ed25519"].map((f) => path.join(dir, `${f}.c`)), "-o", BIN]);
  });

  it("SHA-256 and SHA-512 give FIPS 180-4's example digests", () => {
    const abc = Buffer.from("abc").toString("hex");
    const two = Buffer.from("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").toString("hex");
    const long512 = Buffer.from("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").toString("hex");
    expect(harness([`sha256 ${abc}`, "sha256 -", `sha256 ${two}`, "sha256a 1000000", `sha512 ${abc}`, `sha512 ${long512}`, "sha512a 1000000"])).toEqual([
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
      "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
    ]);
  });

  it("hashes every length around the block boundaries as node:crypto does, in one piece or streamed", () => {
    const msgs = [...Array(300).keys()].map((n) => randomBytes(n));
    const steps = [0, 1, 7, 63, 64, 65, 127, 129];
    const lines = msgs.flatMap((m, i) => {
      const step = steps[i % steps.length]!;
      return step ? [`sha256x ${hex(m)} ${step}`, `sha512x ${hex(m)} ${step}`] : [`sha256 ${hex(m)}`, `sha512 ${hex(m)}`];
    });
    const want = msgs.flatMap((m) => [createHash("sha256").update(m).digest("hex"), createHash("sha512").update(m).digest("hex")]);
    expect(harness(lines)).toEqual(want);
  });

  it("derives RFC 8032's public keys and signatures, and accepts them", () => {
    const lines = RFC8032.flatMap(([seed, msg, pub, sig]) => [`public ${seed}`, `sign ${seed} ${msg || "-"}`, `verify ${pub} ${msg || "-"} ${sig}`]);
    expect(harness(lines)).toEqual(RFC8032.flatMap(([, , pub, sig]) => [pub, sig, "1"]));
  });

  it("signs exactly as node:crypto on random keys and messages, and node accepts it", () => {
    const cases = [...Array(40).keys()].map((i) => ({ seed: randomBytes(32), msg: randomBytes(i * 7) }));
    const got = harness(cases.map((c) => `sign ${hex(c.seed)} ${hex(c.msg)}`));
    cases.forEach((c, i) => {
      const key = privateKeyFromSeed(c.seed);
      const sig = Buffer.from(got[i]!, "hex");
      expect(got[i]).toBe(hex(sign(null, c.msg, key))); // Ed25519 is deterministic: same bytes
      expect(verify(null, c.msg, publicKeyObject(rawPublicKey(key)), sig)).toBe(true);
    });
  });

  it("accepts what node:crypto signs, and refuses it with one bit flipped or a non-canonical S", () => {
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const lines: string[] = [];
    const want: string[] = [];
    for (let i = 0; i < 30; i++) {
      const seed = randomBytes(32);
      const msg = randomBytes(1 + i * 11);
      const key = privateKeyFromSeed(seed);
      const pub = rawPublicKey(key);
      const sig = new Uint8Array(sign(null, msg, key));
      lines.push(`verify ${hex(pub)} ${hex(msg)} ${hex(sig)}`);
      want.push("1");
      const bit = (i * 37) % 512;
      const badSig = Uint8Array.from(sig);
      badSig[bit >> 3]! ^= 1 << (bit & 7);
      lines.push(`verify ${hex(pub)} ${hex(msg)} ${hex(badSig)}`);
      const badMsg = Uint8Array.from(msg);
      badMsg[i % msg.length]! ^= 1 << (i % 8);
      lines.push(`verify ${hex(pub)} ${hex(badMsg)} ${hex(sig)}`);
      const badPub = Uint8Array.from(pub);
      badPub[i % 32]! ^= 1 << (i % 8);
      lines.push(`verify ${hex(badPub)} ${hex(msg)} ${hex(sig)}`);
      // S + L verifies the same equation; RFC 8032 5.1.7 says refuse it
      let s = 0n;
      for (let j = 31; j >= 0; j--) s = (s << 8n) | BigInt(sig[32 + j]!);
      const sl = s + L;
      const big = Uint8Array.from(sig);
      for (let j = 0; j < 32; j++) big[32 + j] = Number((sl >> BigInt(8 * j)) & 0xffn);
      lines.push(`verify ${hex(pub)} ${hex(msg)} ${hex(big)}`);
      want.push("0", "0", "0", "0");
    }
    expect(harness(lines)).toEqual(want);
  });

  it("refuses public keys that encode no point or a y not below p", () => {
    const sig = RFC8032[0]![3];
    const p = (2n ** 255n - 19n).toString(16).padStart(64, "0");
    const le = (h: string) => Buffer.from(h, "hex").reverse().toString("hex");
    // y = p (non-canonical 0), y = 2^255 - 1, and y = 2 (x^2 = (y^2-1)/(dy^2+1) has no root)
    const keys = [le(p), "ff".repeat(31) + "7f", "02" + "00".repeat(31)];
    expect(harness(keys.map((k) => `verify ${k} - ${sig}`))).toEqual(["0", "0", "0"]);
  });
});
