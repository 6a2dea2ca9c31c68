-- Suppression regions are learned from the labels when asked for (cloud/suppression/): the
-- "not an object" boxes of label_boxes, grouped by place. Stored here is only what the labels do
-- not say: which regions a supervisor removed (with the rejections they were made of, so that the
-- same old rejections never make them again), and when an edge last saw one match.
CREATE TABLE suppression_removals (
  region_id text PRIMARY KEY,
  edge_id text NOT NULL,
  camera_id text NOT NULL,
  label text NOT NULL,
  box jsonb NOT NULL,
  -- `<snapshot sha256>:<object index>` of each rejection the region was made of.
  rejection_keys text[] NOT NULL,
  removed_by text NOT NULL,
  role text NOT NULL,
  removed_at timestamptz NOT NULL
);
CREATE INDEX suppression_removals_camera ON suppression_removals (edge_id, camera_id);

CREATE TABLE suppression_matches (
  region_id text PRIMARY KEY,
  edge_id text NOT NULL,
  last_matched_at timestamptz NOT NULL
);
