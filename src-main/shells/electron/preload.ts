// Preload: exposes exactly one typed invoke/on bridge (and dropped files' paths) to the sandboxed renderer, nothing of
// Node; the bridge itself is shells/preloadBridge.ts.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { camscopeBridge } from '../preloadBridge.js';

contextBridge.exposeInMainWorld('camscope', camscopeBridge({ ipcRenderer, webUtils }));
