// The trainer's flags: parsed and validated from one schema, overriding single fields of the recipe; the usage text
// names every flag the parser accepts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLAGS, USAGE, UsageError, parseFlags, recipeFromFlags } from '../../src/train/flags.js';
import { RECIPES } from '../../src/train/recipes.js';

describe('trainer flags', () => {
  it('defaults: the default recipe, unchanged', () => {
    const flags = parseFlags([]);
    assert.deepEqual(flags, {
      recipe: 'default',
      out: 'models/lenet.onnx',
      device: 'auto',
      resume: false,
      'no-robustness': false,
      help: false,
    });
    assert.deepEqual(recipeFromFlags(flags), RECIPES.default);
  });

  it('each override changes its one field of the recipe', () => {
    const recipe = recipeFromFlags(
      parseFlags([
        '--recipe',
        'paddle',
        '--epochs',
        '3',
        '--batch-size',
        '32',
        '--lr',
        '0.01',
        '--optimizer',
        'adam',
        '--activation',
        'relu',
        '--seed',
        '7',
        '--shards',
        '2',
      ]),
    );
    assert.deepEqual(recipe, {
      ...RECIPES.paddle,
      epochs: 3,
      batchSize: 32,
      lr: 0.01,
      seed: 7,
      shards: 2,
      optimizer: { ...RECIPES.paddle.optimizer, name: 'adam' },
      arch: { ...RECIPES.paddle.arch, activation: 'relu' },
    });
  });

  it("--ema D sets the recipe's weight averaging; --ema 0 exports the last step's weights", () => {
    assert.deepEqual(recipeFromFlags(parseFlags(['--ema', '0.9995'])), { ...RECIPES.default, average: { ema: 0.9995 } });
    const off = recipeFromFlags(parseFlags(['--ema', '0']));
    assert.equal('average' in off, false);
    assert.deepEqual({ ...off, average: RECIPES.default.average }, { ...RECIPES.default, average: RECIPES.default.average });
    assert.deepEqual(recipeFromFlags(parseFlags(['--recipe', 'plain', '--swa', '3'])), { ...RECIPES.plain, average: { lastEpochs: 3 } });
    assert.equal('average' in recipeFromFlags(parseFlags(['--swa', '0'])), false);
  });

  it('switches and values: --resume, -h, --train-limit N, --data DIR', () => {
    const flags = parseFlags(['--resume', '-h', '--train-limit', '600', '--data', '/tmp/mnist', '--device', 'cpu', '--threads', '1']);
    assert.equal(flags.resume, true);
    assert.equal(flags.help, true);
    assert.equal(flags['train-limit'], 600);
    assert.equal(flags.data, '/tmp/mnist');
    assert.equal(flags.device, 'cpu');
    assert.equal(flags.threads, 1);
  });

  for (const [args, message] of [
    [['--epochs', '0'], /--epochs/],
    [['--batch-size', 'ten'], /--batch-size/],
    [['--lr', 'Infinity'], /--lr/],
    [['--recipe', 'keras'], /--recipe/],
    [['--shards', '1.5'], /--shards/],
    [['--ema', '1'], /--ema/],
    [['--ema', '-0.5'], /--ema/],
    [['--swa', '2.5'], /--swa/],
    [['--ema', '0.9', '--swa', '3'], /--ema and --swa/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['--resume=yes'], /--resume/],
  ] as const) {
    it(`rejects ${args.join(' ')} naming the flag`, () => {
      assert.throws(
        () => parseFlags([...args]),
        (err) => err instanceof UsageError && message.test(err.message),
      );
    });
  }

  it('the usage text lists every flag, each with its value syntax', () => {
    for (const [name, spec] of Object.entries(FLAGS)) {
      const value = 'value' in spec ? ` ${spec.value}` : '';
      assert.ok(USAGE.includes(`--${name}${value}`), `--${name}${value} missing from the usage text`);
    }
  });
});
