-- Tickets of device events come from IoT rules, not from AI video: their own source.
ALTER TABLE tickets DROP CONSTRAINT tickets_source_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_source_check
  CHECK (source IN ('ai', 'iot', 'grid_worker', 'hotline', 'citizen'));
