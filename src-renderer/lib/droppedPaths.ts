// Paths dropped on the window, sorted into what camscope does with them: a project to open, models to add, images to import.

export interface DroppedPaths {
  /** The first .camscope file: opened in place of the current project (the rest of the drop is then ignored). */
  project: string | null;
  models: string[];
  /** Image files and folders (images.import walks folders and skips what is not an image). */
  images: string[];
}

export function sortDroppedPaths(paths: readonly string[]): DroppedPaths {
  const project = paths.find((p) => /\.camscope$/i.test(p)) ?? null;
  if (project) return { project, models: [], images: [] };
  return { project, models: paths.filter((p) => /\.onnx$/i.test(p)), images: paths.filter((p) => !/\.onnx$/i.test(p)) };
}

/**
 * The file-system path of a dropped file: only the Electron preload can tell (webUtils.getPathForFile); a plain browser
 * never reveals it, and then this is null.
 */
export function droppedFilePath(file: File): string | null {
  return window.camscope?.pathForFile?.(file) || null;
}
