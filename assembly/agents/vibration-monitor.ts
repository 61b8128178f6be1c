import { Agent, Body, Fields, Sensor, bus, clock, log, sensor } from "../sdk";

/** Watches a pump's accelerometer; publishes an anomaly when RMS vibration stays high. */
export class VibrationMonitor extends Agent {
  accel: Sensor = sensor.open("accel0");
  threshold: f32 = 0.8;
  highCount: i32 = 0;
  alarms: i32 = 0;

  init(): void {
    clock.every(100);
  }

  onTimer(id: i32): void {
    const rms = this.accel.rms(256);
    // three high windows in a row: one spike is noise, a bearing fault persists
    this.highCount = rms > this.threshold ? this.highCount + 1 : 0;
    if (this.highCount == 3) {
      this.alarms++;
      log.warn("vibration rms " + rms.toString() + " above " + this.threshold.toString());
      bus.publish("event/anomaly", bus.body().str("sensor", "accel0").f32("rms", rms).int("alarm", this.alarms), 1);
    }
  }

  snapshot(): Body | null {
    return bus.body().int("alarms", this.alarms);
  }

  restore(s: Fields): void {
    this.alarms = <i32>s.int("alarms");
  }
}
