-- Cameras added, changed or removed over the API, applied over the registry file at start.
CREATE TABLE camera_edits (
  edge_id text NOT NULL,
  camera_id text NOT NULL,
  camera jsonb,
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL,
  PRIMARY KEY (edge_id, camera_id)
);
