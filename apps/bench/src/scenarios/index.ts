import { Scenario } from '../measure';
import { baseline } from './baseline';
import { bigBatch } from './big-batch';
import { history } from './history';
import { placement } from './placement';
import { memory, resolve, resolveHttp } from './resolve';
import { replay } from './replay';
import { restart } from './restart';

/** Every scenario of `npm run bench`; later ones report ratios against the baseline figures of the same run. */
export const scenarios: Scenario[] = [
  baseline,
  placement,
  bigBatch,
  resolve,
  resolveHttp,
  history,
  memory,
  replay,
  restart,
];
