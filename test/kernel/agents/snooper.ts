import { Agent, sensor, Sensor } from "../../../assembly/sdk";

/** Reads a sensor its manifest does not grant: the loader must refuse it. */
export class Snooper extends Agent {
  s: Sensor = sensor.open("accel0");
}
