// The project schema as an ordered list of migrations: entry k takes a file from user_version k to k + 1.

export interface Migration {
  /** What the step does, for error messages. */
  name: string;
  sql: string;
}

/** 'CAMS': marks an SQLite file as a camscope project, so a stranger's database is never migrated. */
export const APPLICATION_ID = 0x43414d53;

// Never edit a shipped entry: files already at that version would not see the change. Append instead.
export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'initial schema',
    sql: `
CREATE TABLE images (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0),
  dataset TEXT,
  gt_label INTEGER,
  added_at TEXT NOT NULL,
  UNIQUE (path, sha256)
);
-- Rowid order inside each key, so id-sorted gallery pages filtered by dataset or class need no sort.
CREATE INDEX images_dataset ON images (dataset);
CREATE INDEX images_gt_label ON images (gt_label);

CREATE TABLE gt_boxes (
  id INTEGER PRIMARY KEY,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  x0 REAL NOT NULL, y0 REAL NOT NULL, x1 REAL NOT NULL, y1 REAL NOT NULL,
  label INTEGER
);
CREATE INDEX gt_boxes_image ON gt_boxes (image_id);

CREATE TABLE thumbnails (
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  max_side INTEGER NOT NULL CHECK (max_side > 0),
  png BLOB NOT NULL,
  PRIMARY KEY (image_id, max_side)
);

CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  input_name TEXT NOT NULL,
  input_shape TEXT NOT NULL,
  preprocessing TEXT NOT NULL,
  labels TEXT,
  label_offset INTEGER NOT NULL DEFAULT 0,
  num_classes INTEGER NOT NULL CHECK (num_classes > 0),
  default_layer TEXT,
  added_at TEXT NOT NULL
);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  method TEXT NOT NULL,
  layer TEXT NOT NULL,
  target TEXT NOT NULL CHECK (target = 'top1' OR (target NOT GLOB '*[^0-9]*' AND target <> '')),
  params TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'cancelled', 'failed')),
  error TEXT,
  total INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0 CHECK (done BETWEEN 0 AND total),
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  elapsed_ms INTEGER NOT NULL DEFAULT 0,
  app_version TEXT NOT NULL
);
CREATE INDEX runs_status ON runs (status);
CREATE INDEX runs_model ON runs (model_id);

-- The images a run covers; done flips in the transaction that stores the image's results, which is
-- what lets a crashed run resume exactly where its last committed batch ended.
CREATE TABLE run_images (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
  error TEXT,
  PRIMARY KEY (run_id, image_id)
) WITHOUT ROWID;
CREATE INDEX run_images_image ON run_images (image_id);

-- Top-5 per image and model. WITHOUT ROWID so secondary indexes end in image_id, which is the
-- tie-break of gallery sorts: ORDER BY score, image_id then reads straight off the index.
CREATE TABLE predictions (
  model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  rank INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 5),
  class_index INTEGER NOT NULL,
  score REAL NOT NULL,
  PRIMARY KEY (model_id, image_id, rank)
) WITHOUT ROWID;
-- image_id placed before class_index: the index then both orders ties by image and covers the class filters.
CREATE INDEX predictions_top1_score ON predictions (model_id, score, image_id, class_index) WHERE rank = 1;
CREATE INDEX predictions_top1_class ON predictions (model_id, class_index, score) WHERE rank = 1;
CREATE INDEX predictions_image ON predictions (image_id);

-- Raw maps at layer resolution (little-endian float32); upsampling and colormaps are view-time work.
CREATE TABLE maps (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  class_index INTEGER NOT NULL,
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0),
  vmin REAL NOT NULL,
  vmax REAL NOT NULL,
  data BLOB NOT NULL CHECK (length(data) = 4 * width * height),
  PRIMARY KEY (run_id, image_id, class_index)
);
CREATE INDEX maps_image ON maps (image_id, run_id);

CREATE TABLE boxes (
  run_id INTEGER NOT NULL,
  image_id INTEGER NOT NULL,
  class_index INTEGER NOT NULL,
  threshold REAL NOT NULL,
  x0 REAL NOT NULL, y0 REAL NOT NULL, x1 REAL NOT NULL, y1 REAL NOT NULL,
  PRIMARY KEY (run_id, image_id, class_index, threshold),
  FOREIGN KEY (run_id, image_id, class_index) REFERENCES maps (run_id, image_id, class_index) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE evaluations (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  iou REAL,
  metrics TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (run_id, image_id)
) WITHOUT ROWID;
CREATE INDEX evaluations_iou ON evaluations (run_id, iou);
CREATE INDEX evaluations_image ON evaluations (image_id);

-- 1 − Pearson r between two runs' maps of one image, filled in when the second of the two is
-- recorded, so sorting a gallery by disagreement is an index scan instead of decoding 2n blobs.
CREATE TABLE disagreements (
  run_a INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  run_b INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  value REAL NOT NULL,
  PRIMARY KEY (run_a, run_b, image_id),
  CHECK (run_a < run_b)
) WITHOUT ROWID;
CREATE INDEX disagreements_value ON disagreements (run_a, run_b, value);
CREATE INDEX disagreements_image ON disagreements (image_id);
`,
  },
  {
    // What the shape probe learned about each model (onnx/probeCache.ts: key = format version, sha256, graph digest, input
    // dims), so a project opened where the user cache is empty (another machine or user) opens its models without probing.
    name: 'probe cache',
    sql: `CREATE TABLE probe_cache (key TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;`,
  },
  {
    name: 'sanity checks',
    sql: `
-- Sanity checks (Adebayo et al. 2018) run from the app: what was asked (params: methods, modes, seed, layer),
-- the summary JSON of camscope sanity --json once done, and below it the per-image numbers and cascade maps.
CREATE TABLE sanity_checks (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  params TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('pending', 'running', 'done', 'cancelled', 'failed')),
  error TEXT,
  summary TEXT,
  created_at TEXT NOT NULL,
  finished_at TEXT,
  app_version TEXT NOT NULL
);

CREATE TABLE sanity_images (
  check_id INTEGER NOT NULL REFERENCES sanity_checks (id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  PRIMARY KEY (check_id, ordinal),
  UNIQUE (check_id, image_id)
) WITHOUT ROWID;

-- One image's similarity to its original map: per cascading / independent step (from 0, the logits' node), or the random logit (step 0).
CREATE TABLE sanity_scores (
  check_id INTEGER NOT NULL REFERENCES sanity_checks (id) ON DELETE CASCADE,
  method TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('cascading', 'independent', 'random_logit')),
  step INTEGER NOT NULL CHECK (step >= 0),
  ordinal INTEGER NOT NULL,
  spearman REAL,
  spearman_abs REAL,
  ssim REAL,
  PRIMARY KEY (check_id, method, mode, step, ordinal)
) WITHOUT ROWID;

-- The cascade strip: step 0 the map on the original model, step k after the k nodes nearest the logits are randomized.
CREATE TABLE sanity_maps (
  check_id INTEGER NOT NULL REFERENCES sanity_checks (id) ON DELETE CASCADE,
  method TEXT NOT NULL,
  ordinal INTEGER NOT NULL,
  step INTEGER NOT NULL CHECK (step >= 0),
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0),
  data BLOB NOT NULL CHECK (length(data) = 4 * width * height),
  PRIMARY KEY (check_id, method, ordinal, step)
) WITHOUT ROWID;
`,
  },
  {
    // Labels stay in each dataset's own numbering; a model's logit for dataset class i is i + the dataset's label offset,
    // or + the model's own default (models.label_offset, from defaultLabelOffset) where the dataset sets none (NULL).
    // Projects from before compared labels with logits as they were: their datasets keep that meaning, offset 0.
    name: 'dataset label offsets',
    sql: `
CREATE TABLE datasets (
  name TEXT PRIMARY KEY,
  label_offset INTEGER CHECK (label_offset IS NULL OR label_offset >= 0)
) WITHOUT ROWID;
INSERT INTO datasets (name, label_offset) SELECT DISTINCT dataset, 0 FROM images WHERE dataset IS NOT NULL;
`,
  },
  {
    // Each dataset image's segmentation ground truth (PxAP) by reference, never a pixel copy: the dataset root recorded at
    // import and the masks union of datasets/datasetTypes.ts as JSON, its files relative to that root (COCO's RLEs as they are).
    // Projects from before have no row: their images have no masks until their dataset is imported again.
    name: 'ground-truth masks',
    sql: `
CREATE TABLE gt_masks (
  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
  root TEXT NOT NULL,
  masks TEXT NOT NULL CHECK (json_valid(masks))
);
`,
  },
];
