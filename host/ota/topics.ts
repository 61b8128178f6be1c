// OTA topics, all under colony/<site>/ota/ (docs/bundle.md lists them with their messages).
export const otaTopics = (site: string) => {
  const base = `colony/${site}/ota`;
  return {
    /** Retained per device: the instruction it must follow (install or roll back). */
    job: (device: string) => `${base}/job/${device}`,
    /** Device -> server: which chunks it still needs. */
    get: (device: string) => `${base}/get/${device}`,
    getAll: `${base}/get/+`,
    /** Server -> device: chunks. */
    chunk: (device: string) => `${base}/chunk/${device}`,
    /** Retained per device: progress and outcome of its job. */
    status: (device: string) => `${base}/status/${device}`,
    statusAll: `${base}/status/+`,
    /** Retained per device: its groups and installed agents. */
    device: (device: string) => `${base}/device/${device}`,
    deviceAll: `${base}/device/+`,
    /** Retained: the bundle bytes a rollout serves, so a restarted controller can go on. */
    bundle: (id: string) => `${base}/bundle/${id}`,
    /** Retained: the rollout plan and where it stands. */
    rollout: (id: string) => `${base}/rollout/${id}`,
    rolloutAll: `${base}/rollout/+`,
  };
};

export type OtaTopics = ReturnType<typeof otaTopics>;

export function lastLevel(topic: string): string {
  return topic.slice(topic.lastIndexOf("/") + 1);
}
