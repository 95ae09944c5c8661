import { endHygiene } from './hygiene';

/** Global teardown of the unit project: fails the run when a test left something behind (see ./hygiene). */
export default function hygieneTeardown(): Promise<void> {
  return endHygiene();
}
