import path from 'node:path';

/**
 * The one module that knows the layout of `.uai/` in a project (the only place `uai` writes there):
 *
 *   .uai/build/<model>/          a model's build folder: the rendered files, `code/` (the build context) and
 *                                `.uai-inputs` (what it was assembled from); after --dry-run, only the rendered files
 *   .uai/build/<model>.tmp-<pid> the folder being assembled (or rendered, by --dry-run), renamed over the build folder when done
 *   .uai/run.lock                the run that uses .uai/ now (one `uai build` at a time; see run-lock.ts)
 *   .uai/cache/layers.json       layer key -> digests (so unchanged weights are not hashed again)
 *   .uai/cache/images.json       what each model's tag was last seen to hold
 *   .uai/cache/blobs.json        which repository of each registry holds a big blob of ours (to mount it into others)
 *   .uai/cache/blobs/sha256/     gzip layers and base image configs, by digest
 *   .uai/last-build.json         each model's image as its last build left it (what `uai test` runs)
 */
export const uaiDirName = '.uai';
/** The rendered Dockerfile, in a model's build folder. */
export const dockerfileName = 'uaiservice.Dockerfile';
/** The copy of packFilePath, in a model's build folder. */
export const contextCodeDir = 'code';
/** The stamp of the inputs a build folder was assembled from (see inputsStamp), in the folder: kept while they hold. */
export const inputsStampName = '.uai-inputs';

export interface ProjectPaths {
  /** `<root>/.uai` */
  uaiDir: string;
  /** `<root>/.uai/build/<model>` */
  buildDir(model: string): string;
  /** `<root>/.uai/cache` */
  cacheDir: string;
  /** `<root>/.uai/cache/layers.json` */
  layersFile: string;
  /** `<root>/.uai/cache/images.json` */
  imagesFile: string;
  /** `<root>/.uai/cache/blobs.json` */
  blobsFile: string;
  /** `<root>/.uai/cache/blobs/sha256` */
  blobDir: string;
  /** `<root>/.uai/last-build.json` */
  lastBuildFile: string;
  /** `<root>/.uai/run.lock`: held by the `uai build` that uses `.uai/` now. */
  runLockFile: string;
}

/** The `.uai/` paths of the project whose config lives in `root`. */
export function projectPaths(root: string): ProjectPaths {
  const uaiDir = path.join(root, uaiDirName);
  const cacheDir = path.join(uaiDir, 'cache');
  return {
    uaiDir,
    buildDir: (model) => path.join(uaiDir, 'build', model),
    cacheDir,
    layersFile: path.join(cacheDir, 'layers.json'),
    imagesFile: path.join(cacheDir, 'images.json'),
    blobsFile: path.join(cacheDir, 'blobs.json'),
    blobDir: path.join(cacheDir, 'blobs', 'sha256'),
    lastBuildFile: path.join(uaiDir, 'last-build.json'),
    runLockFile: path.join(uaiDir, 'run.lock'),
  };
}

/** Where a build folder is assembled before it is renamed into place (one per process). */
export function assemblingDir(buildDir: string, pid = process.pid): string {
  return `${buildDir}.tmp-${pid}`;
}
