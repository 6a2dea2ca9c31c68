-- Training labels: what a reviewer (or an imported dataset) said about the objects on an event's
-- snapshot. Every save is a new revision of the snapshot's labels (label_sets, with who, which
-- role, from where and when: the audit trail), holding one row per judged box (label_boxes). A
-- snapshot's labels are its highest revision. Tickets, transitions and events are not changed: a
-- confirm or a reject means what it meant before.
CREATE TABLE label_sets (
  id bigserial PRIMARY KEY,
  snapshot_sha256 text NOT NULL,
  -- The event the snapshot was taken on: its objects are the AI boxes judged.
  event_id text NOT NULL REFERENCES events (event_id),
  revision integer NOT NULL CHECK (revision >= 1),
  labelled_by text NOT NULL,
  role text NOT NULL,
  source text NOT NULL CHECK (source IN ('operator', 'import')),
  note text,
  labelled_at timestamptz NOT NULL,
  UNIQUE (snapshot_sha256, revision)
);
CREATE INDEX label_sets_event ON label_sets (event_id);

-- A detected box carries the AI's label and score as they were, and the verdict on it: right,
-- wrong_label (label: the right one) or not_object. A drawn box is an object the AI missed.
-- Boxes are normalised to the image (0..1), [x1, y1, x2, y2] as in the event contract.
CREATE TABLE label_boxes (
  label_set_id bigint NOT NULL REFERENCES label_sets (id),
  position integer NOT NULL,
  object_index integer,
  verdict text NOT NULL CHECK (verdict IN ('right', 'wrong_label', 'not_object', 'drawn')),
  ai_label text,
  ai_score double precision,
  label text,
  x1 double precision NOT NULL,
  y1 double precision NOT NULL,
  x2 double precision NOT NULL,
  y2 double precision NOT NULL,
  PRIMARY KEY (label_set_id, position),
  CHECK ((verdict = 'drawn') = (object_index IS NULL)),
  CHECK (verdict IN ('right', 'not_object') OR label IS NOT NULL)
);

-- Import finds an event by the sha256 of its snapshot.
CREATE INDEX events_snapshot_sha256 ON events ((payload -> 'evidence' -> 'snapshot' ->> 'sha256'));
