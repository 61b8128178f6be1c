import { BidderRecord, knownOutcome, outcomeFailure, outcomeSuccess } from "../sdk/reputation";

function recordOf(outcomes: string[]): BidderRecord {
  const r = new BidderRecord("quad-1");
  for (let i = 0; i < outcomes.length; i++) {
    r.successes += outcomeSuccess(outcomes[i]);
    r.failures += outcomeFailure(outcomes[i]);
  }
  return r;
}

describe("reputation's beta score", () => {
  it("starts a stranger at one half", () => {
    expect<f64>(recordOf([]).score()).toBe(0.5);
  });

  it("weighs a lie over a failure over a refusal, so the 0.3 floor bars a liar at once but not one honest failure", () => {
    const failed = recordOf(["failed"]).score();
    const lied = recordOf(["contradicted"]).score();
    const refused = recordOf(["refused"]).score();
    expect<f64>(failed).toBeCloseTo(1.0 / 3.0);
    expect<f64>(lied).toBe(0.25);
    expect<f64>(refused).toBe(0.4);
    expect<bool>(lied < 0.3).toBe(true);
    expect<bool>(failed >= 0.3).toBe(true);
  });

  it("counts only a verifier's confirmation as a success, and climbs back with confirmed work", () => {
    expect<f64>(recordOf(["no-show"]).score()).toBeCloseTo(1.0 / 3.0);
    expect<f64>(recordOf(["contradicted", "confirmed", "confirmed", "confirmed"]).score()).toBeCloseTo(4.0 / 7.0);
    expect<f64>(recordOf(["confirmed", "confirmed"]).score()).toBe(0.75);
  });

  it("knows the five outcomes and nothing else", () => {
    expect<bool>(knownOutcome("confirmed")).toBe(true);
    expect<bool>(knownOutcome("contradicted")).toBe(true);
    expect<bool>(knownOutcome("no-show")).toBe(true);
    expect<bool>(knownOutcome("failed")).toBe(true);
    expect<bool>(knownOutcome("refused")).toBe(true);
    expect<bool>(knownOutcome("done")).toBe(false);
    expect<bool>(knownOutcome("")).toBe(false);
  });
});
