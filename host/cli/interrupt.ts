// Ctrl-C for long commands: the first SIGINT asks the command to stop cleanly (it still
// writes what it has), a second one ends the process at once with the shell's 130.

/** Calls `stop` on the first SIGINT; returns the function that removes the handler. */
export function onInterrupt(stop: () => void): () => void {
  let count = 0;
  const handler = (): void => {
    count++;
    if (count === 1) {
      process.stderr.write("\ncolony: stopping (Ctrl-C again to quit at once)\n");
      stop();
    } else process.exit(130);
  };
  process.on("SIGINT", handler);
  return () => {
    process.off("SIGINT", handler);
  };
}
