import { beginHygiene } from './hygiene';

/** Global setup of the unit project: the run's temp folder and mark (see ./hygiene). */
export default function hygieneSetup(): void {
  beginHygiene();
}
