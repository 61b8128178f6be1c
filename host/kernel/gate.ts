// What the kernel asks before a message leaves the device: the site's policy
// (host/governance) answers; the kernel only knows that someone may say no.

export interface PublishCheck {
  device: string;
  agent: string;
  topic: string;
  bytes: number;
  /** the sensor aliases the agent's manifest grants (where its data can come from) */
  sensors: readonly string[];
  now: number;
  /** the CBOR body, for checks that read what a message claims (a manager's task priority) */
  body?: Uint8Array;
}

export interface ActuateCheck {
  device: string;
  agent: string;
  actuator: string;
  now: number;
}

export interface PublishGate {
  /** undefined: allowed; else why not (the refusal's text). */
  checkPublish(p: PublishCheck): string | undefined;
  /** the same for a command to an actuator several agents may share */
  checkActuate?(a: ActuateCheck): string | undefined;
  /** true: messages on this topic stay on the device (its own agents get them; the bus never does) */
  localOnly?(topic: string): boolean;
}
