/**
 * Callers waiting for tokens, grouped by flow (a campaign), served by stride scheduling: each flow advances by
 * 1/weight per token, and the flow that advanced least goes next. A flow that joins starts at the current
 * virtual time, so it neither starves the others nor is starved. Within a flow, first come, first served.
 */
export class FairWaiters {
  readonly #flows = new Map<string, Flow>();
  #count = 0;
  #virtualTime = 0;

  get size(): number {
    return this.#count;
  }

  push(flowId: string, weight: number, resolve: () => void): void {
    let flow = this.#flows.get(flowId);
    if (flow === undefined) {
      flow = { queue: [], head: 0, weight, pass: this.#virtualTime };
      this.#flows.set(flowId, flow);
    }
    flow.weight = weight;
    if (flow.head === flow.queue.length) flow.pass = Math.max(flow.pass, this.#virtualTime);
    flow.queue.push(resolve);
    this.#count++;
  }

  /** Removes and returns the next waiter, or undefined when nobody waits. */
  shift(): (() => void) | undefined {
    let chosen: Flow | undefined;
    let chosenId = '';
    for (const [id, flow] of this.#flows) {
      if (flow.head === flow.queue.length) continue;
      if (chosen === undefined || flow.pass < chosen.pass) {
        chosen = flow;
        chosenId = id;
      }
    }
    if (chosen === undefined) return undefined;
    const resolve = chosen.queue[chosen.head];
    chosen.queue[chosen.head++] = noop;
    this.#virtualTime = chosen.pass;
    chosen.pass += 1 / chosen.weight;
    this.#count--;
    if (chosen.head === chosen.queue.length) {
      this.#flows.delete(chosenId);
    } else if (chosen.head > 1024 && chosen.head * 2 > chosen.queue.length) {
      chosen.queue.splice(0, chosen.head);
      chosen.head = 0;
    }
    return resolve;
  }
}

interface Flow {
  queue: Array<() => void>;
  head: number;
  weight: number;
  pass: number;
}

function noop(): void {}
