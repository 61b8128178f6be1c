// AssemblyScript unit tests of the SDK's pure parts (CBOR codec, bodies), run by as-pect.
// Why as-pect 8.1 with AssemblyScript 0.27: as-pect's transform hard-codes 0.27's AST
// numbering, so with 0.28 any expect() on a class fails to compile (see docs/decisions.md).
export default {
  entries: ["assembly/__tests__/**/*.spec.ts"],
  include: ["assembly/__tests__/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
