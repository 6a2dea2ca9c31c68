-- A cloud incident is one thing seen in the street; each edge incident (one camera's
-- start/update/end messages) that saw it is one of its sources.
CREATE TABLE incidents (
  id bigserial PRIMARY KEY,
  type text NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'ended')),
  started_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  ended_at timestamptz,
  lat double precision,
  lon double precision,
  grid_id text,
  community_id text,
  street_id text,
  district_id text,
  confidence double precision NOT NULL,
  event_count integer NOT NULL DEFAULT 0
);
CREATE INDEX incidents_recent ON incidents (type, last_seen_at);

CREATE TABLE incident_sources (
  edge_incident_id text PRIMARY KEY,
  incident_id bigint NOT NULL REFERENCES incidents (id),
  edge_id text NOT NULL,
  camera_id text NOT NULL,
  model_name text NOT NULL,
  model_version text NOT NULL,
  started_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  ended_at timestamptz
);
CREATE INDEX incident_sources_incident ON incident_sources (incident_id);

ALTER TABLE events ADD CONSTRAINT events_incident FOREIGN KEY (incident_id) REFERENCES incidents (id);
