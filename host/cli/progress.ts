// A one-line progress bar on stderr (only when it is a terminal).

export function progressBar(label: string): { update: (done: number, total: number) => void; done: () => void } {
  let last = -1;
  return {
    update(done, total) {
      const pct = Math.floor((100 * done) / Math.max(1, total));
      if (pct === last) return;
      last = pct;
      const width = 30;
      const filled = Math.round((width * pct) / 100);
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${pct}% (${(done / 1000).toFixed(1)} of ${(total / 1000).toFixed(1)} s)`);
    },
    done() {
      if (last >= 0) process.stderr.write("\n");
    },
  };
}
