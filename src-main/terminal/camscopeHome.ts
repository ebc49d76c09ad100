// Where camscope keeps its per-user files (recent projects, the demo project, the probe cache): CAMSCOPE_HOME, else ~/.camscope.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function camscopeHome(): string {
  return process.env.CAMSCOPE_HOME ?? join(homedir(), '.camscope');
}
