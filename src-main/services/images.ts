// Serving a project's images to the shells (the browser shell's /image route, Electron's camscope-image: protocol).

export interface ImageSource {
  /** Encoded bytes and MIME type of a project image or its thumbnail, or null if not in the project. */
  image(imageId: number, kind: 'thumb' | 'full'): Promise<{ bytes: Buffer; mime: string } | null>;
}
