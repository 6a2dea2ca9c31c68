-- The trucks telemetry placed near the camera when it saw an uncovered muck truck, ranked best
-- first (contract VehicleCandidate objects). NULL: nobody looked (no telemetry); []: nobody near.
ALTER TABLE tickets ADD COLUMN vehicles jsonb;
