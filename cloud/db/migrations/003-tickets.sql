-- Tickets and their closed loop: every state change is a row of ticket_transitions; an overdue
-- step is a row of escalations (one per ticket, step and deadline, so a sweep can run twice).
CREATE TABLE tickets (
  id bigserial PRIMARY KEY,
  source text NOT NULL CHECK (source IN ('ai', 'grid_worker', 'hotline', 'citizen')),
  category text NOT NULL,
  state text NOT NULL,
  incident_id bigint UNIQUE REFERENCES incidents (id),
  camera_id text,
  model_name text,
  model_version text,
  description text,
  address text,
  lat double precision,
  lon double precision,
  grid_id text,
  community_id text,
  street_id text,
  district_id text,
  department text NOT NULL,
  level integer NOT NULL CHECK (level BETWEEN 1 AND 4),
  step text,
  step_due_at timestamptz,
  overdue boolean NOT NULL DEFAULT false,
  merged_into bigint REFERENCES tickets (id),
  reject_reason text,
  handled_note text,
  proof_sha256 text,
  rating integer CHECK (rating BETWEEN 1 AND 5),
  assessment text,
  reporter text,
  media_url text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  closed_at timestamptz
);
CREATE INDEX tickets_state ON tickets (state);
CREATE INDEX tickets_due ON tickets (step_due_at) WHERE step_due_at IS NOT NULL;

CREATE TABLE ticket_transitions (
  id bigserial PRIMARY KEY,
  ticket_id bigint NOT NULL REFERENCES tickets (id),
  action text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  actor text NOT NULL,
  role text NOT NULL,
  note text,
  at timestamptz NOT NULL
);
CREATE INDEX ticket_transitions_ticket ON ticket_transitions (ticket_id, id);

CREATE TABLE escalations (
  id bigserial PRIMARY KEY,
  ticket_id bigint NOT NULL REFERENCES tickets (id),
  step text NOT NULL,
  due_at timestamptz NOT NULL,
  escalated_at timestamptz NOT NULL,
  notify_role text NOT NULL,
  UNIQUE (ticket_id, step, due_at)
);
