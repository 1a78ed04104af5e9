/**
 * Child process for the signal test: trains TinyNet towards a far-off step count with the stop
 * signals on, prints "ready" once a few steps have run, and prints the fit result as JSON at the end.
 */
import { Trainer } from '../../src/train/trainer.js';
import { STOP_OPTIONS, stopTestTask } from './stop-setup.js';
import { TinyNet } from './tiny-task.js';

const out = process.argv[2];
if (out === undefined) throw new Error('usage: stop-child.ts <out dir>');
const task = stopTestTask();
const trainer = new Trainer({
  ...STOP_OPTIONS,
  model: new TinyNet(3),
  task: {
    ...task,
    loss(model, step, micro) {
      if (step === 3 && micro === 0) process.stdout.write('ready\n');
      return task.loss(model, step, micro);
    },
  },
  out,
  stopSignals: ['SIGINT', 'SIGTERM'],
});
const r = await trainer.fit();
process.stdout.write(`${JSON.stringify({ stopped: r.stopped, step: r.step })}\n`);
