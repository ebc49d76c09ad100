// PDF from the HTML report. The CLI prints with headless Chromium; the Electron shell can implement
// the same interface with webContents.printToPDF on a window that loaded the report file.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CamscopeError } from '../errors.js';

export interface PdfPrinter {
  /** Prints the self-contained HTML file `htmlFile` to `pdfFile`. */
  print(htmlFile: string, pdfFile: string): Promise<void>;
}

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Debian's headless Chromium, spawned directly: no network, no GPU, no header/footer. */
export class ChromiumPdfPrinter implements PdfPrinter {
  constructor(
    readonly executable = process.env.CHROMIUM ?? DEFAULT_CHROMIUM,
    private readonly timeoutMs = 120_000,
  ) {}

  async print(htmlFile: string, pdfFile: string): Promise<void> {
    if (!existsSync(this.executable)) {
      throw new CamscopeError(`${pdfFile}: cannot print a PDF: no Chromium at ${this.executable} (install chromium or set CHROMIUM)`);
    }
    const out = resolve(pdfFile);
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-pdf-header-footer',
      `--print-to-pdf=${out}`,
      pathToFileURL(resolve(htmlFile)).href,
    ];
    await new Promise<void>((done, fail) => {
      execFile(this.executable, args, { timeout: this.timeoutMs }, (error, _stdout, stderr) => {
        if (error)
          fail(
            new CamscopeError(
              `${pdfFile}: Chromium failed to print: ${(stderr || error.message).split('\n').find((l) => l.trim()) ?? error.message}`,
            ),
          );
        else done();
      });
    });
    if (!existsSync(out) || statSync(out).size === 0) throw new CamscopeError(`${pdfFile}: Chromium wrote no PDF`);
  }
}
