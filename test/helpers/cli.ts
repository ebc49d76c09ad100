// Runs the camscope CLI in-process, capturing stdout, stderr and the exit code.
import { main } from '../../src-main/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t), progress: null });
  return { code, stdout, stderr };
}
