// Minimal handlers and image source for shell tests: every channel answers, images 1 and 2 exist.
import type { Handlers } from '../../src-main/services/router.js';
import type { ImageSource } from '../../src-main/services/images.js';
import { CamscopeError } from '../../src-main/errors.js';

export function fakeHandlers(calls: string[] = []): Handlers {
  const log =
    <T>(name: string, value: T) =>
    async () => (calls.push(name), value);
  return {
    'project.info': log('project.info', { path: '/tmp/p.camscope', images: 2, models: 0, runs: 0 }),
    'project.open': log('project.open', { path: '/tmp/q.camscope', images: 0, models: 0, runs: 0 }),
    'project.recent': log('project.recent', []),
    'files.list': log('files.list', { dir: '/home/me', parent: null, entries: [], truncated: false }),
    'images.import': log('images.import', { added: 0, skipped: [] }),
    'images.query': async (r) => (calls.push('images.query'), { total: 0, rows: [], ...(r.limit > 400 ? {} : {}) }),
    'datasets.list': log('datasets.list', []),
    'datasets.setLabelOffset': async ({ dataset }) => {
      throw new CamscopeError(`dataset ${JSON.stringify(dataset)} is not in the project`);
    },
    'images.detail': async ({ imageId }) => {
      throw new CamscopeError(`image ${imageId} is not in the project`);
    },
    'models.add': async () => {
      throw new Error('boom');
    },
    'models.list': log('models.list', []),
    'models.camify': async () => {
      throw new CamscopeError('camify is not available in shell tests');
    },
    'runs.start': log('runs.start', []),
    'runs.cancel': log('runs.cancel', { cancelled: false }),
    'runs.list': log('runs.list', []),
    'wsol.curve': log('wsol.curve', { images: 0, points: [] }),
    'report.export': log('report.export', { files: [] }),
    'models.classes': log('models.classes', []),
    'quicklook.run': async () => {
      throw new CamscopeError('quick look is not available in shell tests');
    },
    'sanity.start': async () => {
      throw new CamscopeError('sanity checks are not available in shell tests');
    },
    'sanity.cancel': log('sanity.cancel', { cancelled: false }),
    'sanity.list': log('sanity.list', []),
    'sanity.result': async ({ checkId }) => {
      throw new CamscopeError(`sanity check ${checkId} is not in the project`);
    },
    'sanity.strip': async ({ checkId }) => {
      throw new CamscopeError(`sanity check ${checkId} is not in the project`);
    },
  };
}

export const fakeImages: ImageSource = {
  async image(id) {
    return id === 1 || id === 2 ? { bytes: Buffer.from(`png-${id}`), mime: 'image/png' } : null;
  },
};
