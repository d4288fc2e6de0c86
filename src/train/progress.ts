// Training progress for people: a bar per epoch on a terminal, plain log lines when output goes to a file or CI.
import cliProgress from 'cli-progress';
import type { TrainEvent } from './trainer.js';

export function createProgressReporter(epochs: number, out: NodeJS.WriteStream = process.stderr): (e: TrainEvent) => void {
  const tty = Boolean(out.isTTY);
  let bar: cliProgress.SingleBar | undefined;
  let lastLogged = -1;

  return (event) => {
    if (event.type === 'start') {
      const resumed = event.resumedAt ? `, resuming after step ${event.resumedAt}` : '';
      const threads = event.threads > 1 ? ` (${event.threads} threads)` : '';
      out.write(`training on ${event.provider.toUpperCase()}${threads}: ${event.steps} steps${resumed}\n`);
      // The reason's first clause only ("the CUDA provider library is not installed"): the path and the command that
      // follow it are for someone setting up a GPU, who finds them with --device cuda.
      if (event.fallbackReason)
        out.write(`  (no GPU: ${event.fallbackReason.split('\n')[0].split(' (')[0]}; --device cuda says why in full)\n`);
    } else if (event.type === 'batch') {
      const payload = { epoch: event.epoch + 1, loss: event.loss.toFixed(4), ips: Math.round(event.imagesPerSecond) };
      if (tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              format: `epoch {epoch}/${epochs} {bar} {percentage}% | {value}/{total} img | {ips} img/s | loss {loss} | ETA {eta_formatted}`,
              hideCursor: true,
              stream: out,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(event.total, 0, payload);
        }
        bar.update(event.seen, payload);
      } else {
        const tenth = Math.floor((10 * event.seen) / event.total);
        if (tenth !== lastLogged && tenth > 0) {
          lastLogged = tenth;
          out.write(
            `epoch ${payload.epoch}/${epochs} ${tenth * 10}% ${event.seen}/${event.total} img, ${payload.ips} img/s, loss ${payload.loss}\n`,
          );
        }
      }
    } else {
      bar?.stop();
      bar = undefined;
      lastLogged = -1;
      const r = event.record;
      const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
      const held = (acc?: number) => (acc === undefined ? '' : ` | held out acc ${pct(acc)}`);
      // With weight averaging: the average's figures (what is exported), then the last step's weights in brackets.
      const raw = r.raw ? ` [last step's weights: test ${pct(r.raw.testAccuracy)}${held(r.raw.heldOutAccuracy)}]` : '';
      out.write(
        `epoch ${r.epoch}/${event.epochs}: train loss ${r.trainLoss.toFixed(4)} acc ${pct(r.trainAccuracy)} | ` +
          `test loss ${r.testLoss.toFixed(4)} acc ${pct(r.testAccuracy)}${held(r.heldOutAccuracy)}${raw} | ${r.seconds.toFixed(1)} s, ${Math.round(r.imagesPerSecond)} img/s\n`,
      );
    }
  };
}
