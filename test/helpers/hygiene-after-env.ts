import { removeTempDirs } from './hygiene';

// Each test file removes the temp folders it made once its tests are done: in band (one worker)
// the files share jest's process, which exits only after the global teardown has checked.
afterAll(() => removeTempDirs());
