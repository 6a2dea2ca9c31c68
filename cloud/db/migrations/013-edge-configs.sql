-- Each edge's desired configuration (the sections the cloud manages: timezone, models, cameras),
-- versioned: every save is a new row, never an update, so the rows are the audit of who changed
-- what and when. The newest version is the one the edge is told about (cloud/fleet/).
CREATE TABLE edge_configs (
  edge_id text NOT NULL,
  version integer NOT NULL CHECK (version > 0),
  -- As the user saved it (before defaults): what the edge pulls and validates.
  config jsonb NOT NULL,
  -- sha256 of the config's canonical JSON (foundation/edge-config/fleet-notice.ts).
  sha256 text NOT NULL,
  saved_by text NOT NULL,
  role text NOT NULL,
  saved_at timestamptz NOT NULL,
  note text,
  PRIMARY KEY (edge_id, version)
);
