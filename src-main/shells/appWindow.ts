// The browser shell's app window: a Chromium-based browser opened on the URL with --app, for `npm start`
// (`camscope serve --window`) and `camscope explain --open`. Where none can be opened it says why in one line and
// leaves the URL to open by hand; a browser that fails says so too — never a stack trace.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { camscopeHome } from '../terminal/camscopeHome.js';

const CHROMIUMS: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/snap/bin/chromium',
    '/usr/bin/microsoft-edge',
  ],
  darwin: [
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  ],
  win32: [
    `${process.env.PROGRAMFILES}\\Google\\Chrome\\Application\\chrome.exe`,
    `${process.env['PROGRAMFILES(X86)']}\\Microsoft\\Edge\\Application\\msedge.exe`,
    `${process.env.LOCALAPPDATA}\\Google\\Chrome\\Application\\chrome.exe`,
  ],
};

/** Why no window of any kind (Chromium's or Electron's) can be opened here, or null. */
export function noWindowHere(): string | null {
  if (process.env.CAMSCOPE_NO_BROWSER === '1') return 'CAMSCOPE_NO_BROWSER=1';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  return null;
}

/** Why no Chromium window can be opened here, or null (CAMSCOPE_NO_BROWSER is named before a missing browser). */
function noWindow(chromium: string | undefined): string | null {
  if (!chromium && process.env.CAMSCOPE_NO_BROWSER !== '1')
    return `no Chromium-based browser found (set CHROMIUM=/path/to/chrome, or install chromium)`;
  return noWindowHere();
}

function chromiumFlags(url: string, say: (line: string) => void): string[] {
  const flags = [
    `--app=${url}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    `--user-data-dir=${join(camscopeHome(), 'chromium-profile')}`,
  ];
  if (process.getuid?.() === 0) {
    // Chromium refuses to start as root with its sandbox; containers also tend to have a tiny /dev/shm.
    say("running as root (a container?): Chromium's sandbox is turned off (--no-sandbox)");
    flags.push('--no-sandbox', '--disable-dev-shm-usage');
  }
  // Extra flags for Chromium, e.g. --remote-debugging-port=0 (the e2e test attaches to the window through it).
  flags.push(...(process.env.CAMSCOPE_CHROMIUM_FLAGS ?? '').split(/\s+/).filter(Boolean));
  return flags;
}

export interface AppWindow {
  /** Closes the window (when the server stops first). */
  close(): void;
}

/**
 * Opens the app window on `url`, saying each step through `say` (one line, no prefix). `onClosed` runs when the user
 * closes the window; null when no window could be opened (the URL was printed instead).
 */
export function openAppWindow(url: string, say: (line: string) => void, onClosed: () => void): AppWindow | null {
  const chromium = [process.env.CHROMIUM, ...(CHROMIUMS[process.platform] ?? [])].find((p) => p && existsSync(p));
  const why = noWindow(chromium);
  if (why) {
    say(`${why}: open ${url} in a Chromium-based browser`);
    return null;
  }
  say(`opening ${url} in ${chromium}`);
  const started = Date.now();
  const tail: string[] = [];
  const child = spawn(chromium!, chromiumFlags(url, say), { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d) => {
    tail.push(
      ...String(d)
        .split('\n')
        .filter((l) => l.trim()),
    );
    tail.splice(0, Math.max(0, tail.length - 20));
  });
  let closing = false;
  const lost = (reason: string) => say(`the window could not be opened (${reason}); open ${url} in a Chromium-based browser`);
  child.on('error', (e) => lost(e.message));
  child.on('exit', (code, signal) => {
    const reason = tail.filter((l) => !/dbus|Fontconfig|ALSA|libva|gpu_init|viz_main|sandbox_linux|CheckValidity/i.test(l)).at(-1) ?? tail.at(-1);
    if (closing) return;
    if (code !== 0 && code !== null) lost(`Chromium exited with code ${code}${reason ? `: ${reason.trim().slice(0, 200)}` : ''}`);
    else if (signal) lost(`Chromium was stopped by ${signal}`);
    // A quick clean exit means a running Chromium with this profile took the window over; keep serving it.
    else if (Date.now() - started > 3000) {
      say('window closed; stopping');
      onClosed();
    }
  });
  return {
    close() {
      closing = true;
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
