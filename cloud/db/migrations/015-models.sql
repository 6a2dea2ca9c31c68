-- Versioned models (cloud/models/): files content-addressed by sha256 (a model file, or a
-- manifest's bytes as uploaded), verified when they arrive; a version names its manifest.
CREATE TABLE model_files (
  sha256 text PRIMARY KEY,
  size bigint NOT NULL,
  bytes bytea NOT NULL,
  uploaded_by text NOT NULL,
  uploaded_at timestamptz NOT NULL
);

CREATE TABLE model_versions (
  name text NOT NULL,
  version text NOT NULL,
  task text NOT NULL,
  manifest jsonb NOT NULL,
  manifest_sha256 text NOT NULL REFERENCES model_files (sha256),
  file_sha256 text NOT NULL REFERENCES model_files (sha256),
  uploaded_by text NOT NULL,
  role text NOT NULL,
  uploaded_at timestamptz NOT NULL,
  PRIMARY KEY (name, version)
);

-- What each camera runs of a model now: at most one active and one shadow version per name.
CREATE TABLE model_assignments (
  edge_id text NOT NULL,
  camera_id text NOT NULL,
  name text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('shadow', 'active')),
  version text NOT NULL,
  assigned_by text NOT NULL,
  role text NOT NULL,
  assigned_at timestamptz NOT NULL,
  PRIMARY KEY (edge_id, camera_id, name, mode),
  FOREIGN KEY (name, version) REFERENCES model_versions (name, version)
);

-- Every change of an assignment, never edited: the audit trail, and where a rollback finds the
-- version an active one replaced.
CREATE TABLE model_assignment_log (
  id bigserial PRIMARY KEY,
  edge_id text NOT NULL,
  camera_id text NOT NULL,
  name text NOT NULL,
  version text NOT NULL,
  mode text NOT NULL,
  action text NOT NULL CHECK (action IN ('assign', 'promote', 'rollback')),
  -- The active version this change replaced, if any.
  replaced_version text,
  by_user text NOT NULL,
  role text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX model_assignment_log_camera ON model_assignment_log (edge_id, camera_id, name, id);
