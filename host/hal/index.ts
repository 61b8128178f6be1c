export { Rng, hashString } from "./rng.ts";
export { WaveformSensor } from "./sensor.ts";
export type { SensorSource, SensorFault, WaveformSpec } from "./sensor.ts";
export { RecordingActuator } from "./actuator.ts";
export type { ActuatorSink, ActuatorCommand } from "./actuator.ts";
