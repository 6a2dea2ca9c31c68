-- The muck-truck permit registry: one permit per plate (cloud/permits/permit-schema.ts as jsonb),
-- loaded from the registry file named in the config, replaced by uploads, edited over the API.
CREATE TABLE permits (
  plate text PRIMARY KEY,
  permit jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL
);

-- Every change to a permit, who made it and how: put or delete over the API, or a whole registry
-- replaced by an upload or a changed file. before/after: the permit (NULL: there was none / is none).
CREATE TABLE permit_edits (
  id bigserial PRIMARY KEY,
  plate text NOT NULL,
  action text NOT NULL CHECK (action IN ('put', 'delete', 'upload', 'file')),
  before jsonb,
  after jsonb,
  at timestamptz NOT NULL,
  edited_by text NOT NULL
);
CREATE INDEX permit_edits_plate ON permit_edits (plate, id);

-- Each whole registry taken in: an upload, or the file when its content changed since it was last
-- taken (its sha256 says so), so a restart does not undo the edits made since over the API.
CREATE TABLE permit_loads (
  id bigserial PRIMARY KEY,
  source text NOT NULL CHECK (source IN ('upload', 'file')),
  name text NOT NULL,
  sha256 text NOT NULL,
  permits integer NOT NULL,
  added integer NOT NULL,
  changed integer NOT NULL,
  removed integer NOT NULL,
  at timestamptz NOT NULL,
  loaded_by text NOT NULL
);

-- Uncovered-muck-truck tickets: the trucks named by the plates the edge read, each with its
-- telemetry device, company and permit verdict (cloud/permits/trucks.ts). NULL: no plate was read.
ALTER TABLE tickets ADD COLUMN trucks jsonb;
