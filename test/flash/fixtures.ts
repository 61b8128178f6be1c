// ESP32 app images for flashing tests: a descriptor segment and seeded pseudo-random code.
import { appDescriptor, buildAppImage } from "../../host/firmware/esp32/index.ts";
import { seededRandom } from "../../host/ota/index.ts";

export function testApp(codeBytes: number, seed = 1): Uint8Array {
  const r = seededRandom(seed);
  const code = Uint8Array.from({ length: codeBytes & ~3 }, () => Math.floor(r() * 256));
  return buildAppImage({ entry: 0x400d0000, segments: [{ loadAddr: 0x3f400020, data: appDescriptor("0.1.0", "colony") }, { loadAddr: 0x400d0020, data: code }] });
}
