// What the preload exposes to the sandboxed renderer as window.camscope: one typed invoke/on bridge over the main
// process's IPC channels and, for files dropped on the window, their paths on disk (webUtils.getPathForFile), nothing
// of Node. Built from the electron modules handed in (preload.ts hands in the real ones, the tests fakes); no runtime
// import at all, since a sandboxed preload may only require electron itself.
import type * as Electron from 'electron';

export const INVOKE_CHANNEL = 'camscope:invoke';
export const EVENT_CHANNEL = 'camscope:event';

export interface PreloadElectron {
  ipcRenderer: Pick<Electron.IpcRenderer, 'invoke' | 'on' | 'removeListener'>;
  webUtils: Pick<Electron.WebUtils, 'getPathForFile'>;
}

/** The renderer's CamscopeBridge (src-renderer/transport/electronTransport.ts). */
export function camscopeBridge({ ipcRenderer, webUtils }: PreloadElectron) {
  return {
    invoke: (channel: string, payload: unknown): Promise<unknown> => ipcRenderer.invoke(INVOKE_CHANNEL, channel, payload),
    on: (event: string, handler: (payload: unknown) => void): (() => void) => {
      const listener = (_: unknown, name: string, payload: unknown) => {
        if (name === event) handler(payload);
      };
      ipcRenderer.on(EVENT_CHANNEL, listener);
      return () => void ipcRenderer.removeListener(EVENT_CHANNEL, listener);
    },
    // A dropped File's path on disk: the sandboxed page cannot see it otherwise.
    pathForFile: (file: File): string => webUtils.getPathForFile(file),
  };
}
