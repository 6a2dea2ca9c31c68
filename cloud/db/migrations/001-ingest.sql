-- What arrives over MQTT: every valid event once (by eventId), every invalid message as a dead
-- letter, and the last status each edge published.
CREATE TABLE edges (
  edge_id text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('online', 'offline')),
  status jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE events (
  event_id text PRIMARY KEY,
  edge_incident_id text NOT NULL,
  incident_id bigint,
  edge_id text NOT NULL,
  camera_id text NOT NULL,
  type text NOT NULL,
  phase text NOT NULL,
  sequence integer NOT NULL,
  observed_at timestamptz NOT NULL,
  topic text NOT NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL
);
CREATE INDEX events_edge_incident ON events (edge_incident_id, sequence);
CREATE INDEX events_observed_at ON events (observed_at);

CREATE TABLE dead_letters (
  id bigserial PRIMARY KEY,
  code text NOT NULL,
  reason text NOT NULL,
  topic text NOT NULL,
  payload bytea NOT NULL,
  received_at timestamptz NOT NULL
);
