import { mul } from '../autograd/functions.js';
import type { Variable } from '../autograd/variable.js';
import { FrugalError } from '../core/errors.js';

/**
 * Gradient accumulation over `every` micro-batches: each loss is scaled by 1/every before
 * backward, so the summed gradients equal those of the mean loss over the whole batch.
 */
export class GradientAccumulation {
  private micro = 0;

  constructor(readonly every: number) {
    if (!Number.isInteger(every) || every < 1) {
      throw new FrugalError('E_ARG', `every must be a positive integer, got ${every}`, {
        op: 'GradientAccumulation',
        field: 'every',
      });
    }
  }

  /** Back-propagates one micro-batch loss; returns true when the optimizer should step now. */
  backward(loss: Variable): boolean {
    const scaled = this.every === 1 ? loss : mul(loss, 1 / this.every);
    scaled.backward();
    if (scaled !== loss) scaled.value.dispose();
    this.micro = (this.micro + 1) % this.every;
    return this.micro === 0;
  }
}
