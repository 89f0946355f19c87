import { Scenario } from '../measure';
import { baseline } from './baseline';

/** Every scenario of `npm run bench`; later ones report ratios against the baseline figures of the same run. */
export const scenarios: Scenario[] = [baseline];
