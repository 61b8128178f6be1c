import { Agent, Body, Fields, Message, Sensor, Actuator, actuator, bus, clock, log, random, sensor, state } from "../../../assembly/sdk";

/** Uses every ABI function and answers every message with what it read, for round-trip tests. */
export class Echo extends Agent {
  accel: Sensor = sensor.open("accel0");
  arm: Actuator = actuator.open("arm0");
  count: i64 = 0;
  restored: i64 = -1;

  init(): void {
    bus.subscribe("test/in");
    bus.subscribe("test/in/+");
    this.count = <i64>state.getF64("count", 0);
    clock.after(50, 7);
    this.accel.watch(200);
    log.info("echo up");
  }

  onTimer(id: i32): void {
    const r = random.uint();
    bus.publish("test/timer", bus.body().int("id", id).f64("now", clock.now()).int("random", <i64>r).f32("mean", this.accel.mean(16)));
  }

  onSensor(s: Sensor): void {
    bus.publish("test/sensor", bus.body().str("name", s.name).int("n", s.read(8).length));
  }

  onMessage(msg: Message): void {
    this.count++;
    state.setF64("count", <f64>this.count);
    state.setString("last", msg.body.str("text"));
    const inner = msg.body.map("inner");
    const reply = bus
      .body()
      .str("topic", msg.topic)
      .int("int", msg.body.int("int"))
      .f64("float", msg.body.f64("float"))
      .bool("flag", msg.body.bool("flag"))
      .str("text", state.getString("last"))
      .bytes("bytes", msg.body.bytes("bytes"))
      .map("inner", bus.body().int("x", inner.int("x")))
      .int("count", this.count)
      .bool("valid", msg.body.valid)
      .int("restored", this.restored);
    this.arm.command(bus.body().str("move", "to").int("count", this.count));
    bus.publish("test/out", reply, 1);
  }

  snapshot(): Body | null {
    return bus.body().int("count", this.count);
  }

  restore(s: Fields): void {
    this.restored = s.int("count", -2);
  }
}
