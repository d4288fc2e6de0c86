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

/** The (a, b) that minimise the log loss of σ(a + b·u) against Platt's targets: a right agreement counts as
 * (N₊ + 1)/(N₊ + 2) right, a wrong one as 1/(N₋ + 2), so that a few wrong agreements that all hold less evidence than
 * every right one (separable, where the plain fit's b runs to infinity) still give a finite curve (Platt 1999). Newton's
 * method, each step halved until the loss falls (the loss is convex in a and b). Throws when the agreements are all
 * right or all wrong, which no fit can say anything from. */
export function fitAgreement(agreements: ReadonlyArray<{ evidence: number; right: boolean }>): AgreementFit {
  const rights = agreements.filter((x) => x.right).length;
  const wrongs = agreements.length - rights;
  if (rights === 0 || wrongs === 0) {
    throw new Error(`an agreement fit needs right and wrong agreements (${rights} of ${agreements.length} right)`);
  }
  const [hi, lo] = [(rights + 1) / (rights + 2), 1 / (wrongs + 2)];
  const target = agreements.map(({ evidence, right }) => ({ u: evidence, t: right ? hi : lo }));
  const loss = (a: number, b: number) =>
    target.reduce((s, { u, t }) => {
      const z = a + b * u;
      // −[t ln σ(z) + (1 − t) ln(1 − σ(z))], written to stay finite for large |z|
      return s + (z > 0 ? (1 - t) * z + Math.log1p(Math.exp(-z)) : -t * z + Math.log1p(Math.exp(z)));
    }, 0);
  let [a, b] = [Math.log((rights + 1) / (wrongs + 1)), 0];
  let current = loss(a, b);
  for (let step = 0; step < 100; step++) {
    let [ga, gb, haa, hab, hbb] = [0, 0, 0, 0, 0];
    for (const { u, t } of target) {
      const p = sigmoid(a + b * u);
      const [r, w] = [t - p, p * (1 - p) + 1e-12];
      [ga, gb] = [ga + r, gb + r * u];
      [haa, hab, hbb] = [haa + w, hab + w * u, hbb + w * u * u];
    }
    const det = haa * hbb - hab * hab;
    const [da, db] = [(hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det];
    let scale = 1;
    while (scale > 1e-6 && !(loss(a + scale * da, b + scale * db) <= current)) scale /= 2;
    if (scale <= 1e-6) break;
    [a, b] = [a + scale * da, b + scale * db];
    const next = loss(a, b);
    if (current - next < 1e-12 * Math.max(1, current)) break;
    current = next;
  }
  return { a, b };
}

/** Mean −ln P(what happened) of agreements under a confidence. */
export const agreementLogLoss = (judged: ReadonlyArray<{ confidence: number; right: boolean }>): number =>
  judged.reduce((s, { confidence: c, right }) => s - Math.log(Math.max(1e-15, right ? c : 1 - c)), 0) / judged.length;
