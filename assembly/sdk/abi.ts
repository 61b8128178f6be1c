// The host imports of ABI v1, exactly as declared in host/kernel/abi.ts (a test
// checks the two agree). Agent code never calls these directly: it uses the SDK.

@external("colony", "clock_now") export declare function clock_now(): f64;
@external("colony", "clock_timer_set") export declare function clock_timer_set(id: i32, periodMs: i32, repeat: i32): i32;
@external("colony", "clock_timer_cancel") export declare function clock_timer_cancel(id: i32): i32;
@external("colony", "log_write") export declare function log_write(level: i32, ptr: usize, len: i32): void;
@external("colony", "sensor_open") export declare function sensor_open(namePtr: usize, nameLen: i32): i32;
@external("colony", "sensor_read") export declare function sensor_read(handle: i32, bufPtr: usize, maxSamples: i32): i32;
@external("colony", "sensor_watch") export declare function sensor_watch(handle: i32, periodMs: i32): i32;
@external("colony", "actuator_open") export declare function actuator_open(namePtr: usize, nameLen: i32): i32;
@external("colony", "actuator_write") export declare function actuator_write(handle: i32, ptr: usize, len: i32): i32;
@external("colony", "model_invoke") export declare function model_invoke(namePtr: usize, nameLen: i32, inPtr: usize, inLen: i32, outPtr: usize, outLen: i32): i32;
@external("colony", "bus_publish") export declare function bus_publish(topicPtr: usize, topicLen: i32, bodyPtr: usize, bodyLen: i32, qos: i32): i32;
@external("colony", "bus_subscribe") export declare function bus_subscribe(filterPtr: usize, filterLen: i32): i32;
@external("colony", "state_get") export declare function state_get(keyPtr: usize, keyLen: i32, bufPtr: usize, bufLen: i32): i32;
@external("colony", "state_set") export declare function state_set(keyPtr: usize, keyLen: i32, valPtr: usize, valLen: i32): i32;
@external("colony", "state_delete") export declare function state_delete(keyPtr: usize, keyLen: i32): i32;
@external("colony", "random_fill") export declare function random_fill(ptr: usize, len: i32): void;
@external("colony", "wallet_id") export declare function wallet_id(bufPtr: usize, bufLen: i32): i32;
@external("colony", "wallet_tx") export declare function wallet_tx(kind: i32, toPtr: usize, toLen: i32, amount: f64, refPtr: usize, refLen: i32, arbiterPtr: usize, arbiterLen: i32): i32;
@external("colony", "wallet_status") export declare function wallet_status(handle: i32): i32;
@external("colony", "wallet_balance") export declare function wallet_balance(accountPtr: usize, accountLen: i32): f64;

export const ABI_VERSION: i32 = 1;

// on_event kinds
export const EVENT_TIMER: i32 = 1;
export const EVENT_MESSAGE: i32 = 2;
export const EVENT_SENSOR: i32 = 3;
