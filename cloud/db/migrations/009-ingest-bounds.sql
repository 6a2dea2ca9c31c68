-- Dead letters keep at most 64 KiB of a payload (CONTRACT_LIMITS.deadLetterPayloadBytes in
-- foundation/contract/limits.ts), with the whole payload's size and sha256 beside it; rows stored
-- before are cut the same way. Edges are ordered by the status's arrival: keep the edge's own
-- `at` (reported_at) and how far it was from the arrival (clock_skew_seconds).
ALTER TABLE dead_letters
  ADD COLUMN payload_bytes integer,
  ADD COLUMN payload_sha256 text,
  ADD COLUMN payload_truncated boolean NOT NULL DEFAULT false;
UPDATE dead_letters SET payload_bytes = octet_length(payload), payload_sha256 = encode(sha256(payload), 'hex');
UPDATE dead_letters SET payload = substring(payload from 1 for 65536), payload_truncated = true
  WHERE octet_length(payload) > 65536;
ALTER TABLE dead_letters
  ALTER COLUMN payload_bytes SET NOT NULL,
  ALTER COLUMN payload_sha256 SET NOT NULL;

ALTER TABLE edges
  ADD COLUMN reported_at timestamptz,
  ADD COLUMN clock_skew_seconds double precision;
