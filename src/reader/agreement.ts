// The confidence of a string both readers read (src/reader/combined.ts). Two readers that err independently are both
// wrong with probability (1 − pL)(1 − pS); they do not quite err independently (both learnt from MNIST), so the
// service maps that evidence through a logistic curve fitted on calibration pictures (Platt scaling), the two numbers
// recorded beside the line model's temperature in its card: P(right) = σ(a + b·u), u = −ln((1 − pL)(1 − pS)).
// Without a fit for the models being served, the independent readers' 1 − (1 − pL)(1 − pS).

import type { AgreementFit } from '../model/calibration.js';
export type { AgreementFit };

/** The evidence of an agreement: −ln of the chance that both readers are wrong, were they independent. */
export const agreementEvidence = (pL: number, pS: number): number => -Math.log(Math.max(1e-300, (1 - pL) * (1 - pS)));

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The chance that a string both readers read is right. */
export function agreementConfidence(pL: number, pS: number, fit?: AgreementFit): number {
  if (!fit) return 1 - (1 - pL) * (1 - pS);
  return sigmoid(fit.a + fit.b * agreementEvidence(pL, pS));
}

/** The (a, b) that minimise the log loss of σ(a + b·u) on agreements whose rightness is known (Newton's method on two
 * parameters: the log loss is convex in them). Throws when the agreements are all right or all wrong, which no fit can
 * say anything from. */
export function fitAgreement(agreements: ReadonlyArray<{ evidence: number; right: boolean }>): AgreementFit {
  const rights = agreements.filter((x) => x.right).length;
  if (rights === 0 || rights === agreements.length) {
    throw new Error(`an agreement fit needs right and wrong agreements (${rights} of ${agreements.length} right)`);
  }
  let [a, b] = [0, 1];
  for (let step = 0; step < 100; step++) {
    let [ga, gb, haa, hab, hbb] = [0, 0, 0, 0, 0];
    for (const { evidence: u, right } of agreements) {
      const p = sigmoid(a + b * u);
      const r = (right ? 1 : 0) - p;
      const w = p * (1 - p) + 1e-12;
      [ga, gb] = [ga + r, gb + r * u];
      [haa, hab, hbb] = [haa + w, hab + w * u, hbb + w * u * u];
    }
    const det = haa * hbb - hab * hab;
    const [da, db] = [(hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det];
    [a, b] = [a + da, b + db];
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { a, b };
}

/** Mean −ln P(what happened) of agreements under a confidence. */
export const agreementLogLoss = (judged: ReadonlyArray<{ confidence: number; right: boolean }>): number =>
  judged.reduce((s, { confidence: c, right }) => s - Math.log(Math.max(1e-15, right ? c : 1 - c)), 0) / judged.length;
