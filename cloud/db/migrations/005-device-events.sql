-- Device events (IoT telemetry rules) arrive beside camera events: a source is a camera or a
-- device, and device incidents have no model.
ALTER TABLE events ADD COLUMN source text NOT NULL DEFAULT 'camera';
ALTER TABLE events ALTER COLUMN camera_id DROP NOT NULL;
ALTER TABLE events ADD COLUMN device_id text;

ALTER TABLE incident_sources ALTER COLUMN camera_id DROP NOT NULL;
ALTER TABLE incident_sources ALTER COLUMN model_name DROP NOT NULL;
ALTER TABLE incident_sources ALTER COLUMN model_version DROP NOT NULL;
ALTER TABLE incident_sources ADD COLUMN device_id text;

ALTER TABLE tickets ADD COLUMN device_id text;
