// The explain worker with each message held back 150 ms, so a test can kill its parent mid-run.
const send = process.send!.bind(process);
const pause = new Int32Array(new SharedArrayBuffer(4));
process.send = ((message: unknown, ...rest: never[]) => {
  Atomics.wait(pause, 0, 0, 150);
  return send(message, ...rest);
}) as typeof process.send;
await import('../../../src-main/services/explainWorker.js');
