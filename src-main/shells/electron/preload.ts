// Preload: exposes exactly one typed invoke/on bridge to the sandboxed renderer, nothing of Node.
import { contextBridge, ipcRenderer, webUtils } from 'electron';

contextBridge.exposeInMainWorld('camscope', {
  invoke: (channel: string, payload: unknown) => ipcRenderer.invoke('camscope:invoke', channel, payload),
  on: (event: string, handler: (payload: unknown) => void) => {
    const listener = (_: unknown, name: string, payload: unknown) => {
      if (name === event) handler(payload);
    };
    ipcRenderer.on('camscope:event', listener);
    return () => ipcRenderer.removeListener('camscope:event', listener);
  },
  // A dropped File's path on disk: the sandboxed page cannot see it otherwise.
  pathForFile: (file: File) => webUtils.getPathForFile(file),
});
