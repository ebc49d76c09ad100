// The project a workstation has open: its store, replaced in place by project.open; the recent list and the
// path picker that go with choosing one.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CamscopeError } from '../errors.js';
import { ProjectStore } from '../store/projectStore.js';
import type { Response } from '../../src-shared/ipc.js';
import { listDirectory } from './fileBrowser.js';
import { listRecent, rememberProject } from './recentProjects.js';
import type { Handlers } from './router.js';

export type ProjectHandlers = Pick<Handlers, 'project.info' | 'project.recent' | 'files.list'>;

export class OpenProject {
  constructor(
    /** Replaced by `replace` when the shell switches projects; readers take it afresh each time. */
    public store: ProjectStore,
  ) {}

  static open(file: string, create = false): OpenProject {
    return new OpenProject(create ? ProjectStore.create(file) : ProjectStore.open(file));
  }

  /** The store of another project (created when asked), or null when `file` is the open one; the current stays open. */
  openNext(file: string, create: boolean): ProjectStore | null {
    const path = resolve(file);
    if (path === resolve(this.store.file)) return null;
    if (!create && !existsSync(path)) throw new CamscopeError(`${path}: no such project file`);
    return existsSync(path) ? ProjectStore.open(path) : ProjectStore.create(path);
  }

  /** Closes the current store, puts `next` in its place and makes it the most recent project. */
  replace(next: ProjectStore): void {
    this.store.close();
    this.store = next;
    rememberProject(next.file);
  }

  info(): Response<'project.info'> {
    const { store } = this;
    return { path: store.file, images: store.imageCount(), models: store.listModelIds().length, runs: store.listRuns().length };
  }

  handlers(): ProjectHandlers {
    return {
      'project.info': async () => this.info(),
      'project.recent': async () => listRecent().map((r) => ({ ...r, exists: existsSync(r.path) })),
      'files.list': async ({ dir }) => listDirectory(dir),
    };
  }
}
