// `npm run line:ensemble -- --out models/line.onnx A.onnx B.onnx …`: trained line models written as one (their
// per-column probabilities averaged), with a card naming each member. Fit its temperature afterwards
// (`tsx scripts/compare-readers.ts --line OUT --role calibration --record`), as for any new line model.
import { cliArgs } from '../model/cli-args.js';
import { ModelWeightsError } from '../model/model-weights.js';
import { exportLineEnsemble } from './line-ensemble.js';

const USAGE = `usage: npm run line:ensemble -- --out OUT.onnx MEMBER.onnx MEMBER.onnx [MEMBER.onnx …]
  Writes the members (line models exported by npm run train:line) as one line model and its card.
  example: npm run line:ensemble -- --out checkpoints/line-ensemble.onnx models/line.onnx checkpoints/line-candidate.onnx`;

async function main(argv: string[]): Promise<number> {
  const parsed = cliArgs(argv, { out: { type: 'string' } }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { out } = parsed.values;
  if (!out || parsed.positionals.length < 2) {
    console.error(USAGE);
    return 2;
  }
  try {
    const card = await exportLineEnsemble(out, parsed.positionals, `npm run line:ensemble -- ${argv.join(' ')}`);
    console.log(`wrote ${out} (${card.bytes} bytes, sha256 ${card.sha256.slice(0, 12)}…) of ${card.members.length} line models`);
    return 0;
  } catch (err) {
    if (err instanceof ModelWeightsError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
