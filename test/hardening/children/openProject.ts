// Opens a project as the crash tests' unprivileged user would, and prints what happened as one JSON line.
import { ProjectStore } from '../../../src-main/store/projectStore.js';

const [file, mode] = process.argv.slice(2) as [string, 'write' | 'read'];
const report: { error?: string; images?: number } = {};
try {
  const store = ProjectStore.open(file, { readonly: mode === 'read' });
  report.images = store.imageCount();
  store.close();
} catch (e) {
  report.error = (e as Error).message;
}
console.log(JSON.stringify(report));
