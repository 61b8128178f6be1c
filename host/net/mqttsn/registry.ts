// Topic ids of one client session (spec 6.5-6.7): normal ids assigned by the gateway, both
// when the client registers and when the gateway registers a name for a wildcard match.
export class TopicRegistry {
  private byName = new Map<string, number>();
  private byId = new Map<number, string>();
  private next = 1;

  idFor(name: string): number {
    let id = this.byName.get(name);
    if (id === undefined) {
      if (this.next > 0xfffe) throw new RangeError(`topic id space exhausted registering "${name}"`);
      id = this.next++;
      this.byName.set(name, id);
      this.byId.set(id, name);
    }
    return id;
  }
  /** A name the client told us under its own id (the gateway-assigned ids never collide with it). */
  put(id: number, name: string): void {
    this.byName.set(name, id);
    this.byId.set(id, name);
    if (id >= this.next) this.next = id + 1;
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  id(name: string): number | undefined {
    return this.byName.get(name);
  }
  name(id: number): string | undefined {
    return this.byId.get(id);
  }
  clear(): void {
    this.byName.clear();
    this.byId.clear();
    this.next = 1;
  }
}
