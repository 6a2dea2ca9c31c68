-- Places (district, street, community, grid) created, replaced or removed over the API, applied
-- over the grid hierarchy file at start. `place` is the GeoJSON feature, or null for a removal.
CREATE TABLE place_edits (
  place_id text PRIMARY KEY,
  place jsonb,
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL
);
