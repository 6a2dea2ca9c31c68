-- Ingest looks, once per batch, for the incidents of a type still going on (or just ended) near
-- the time of the batch's new edge incidents: by type and the end of their span, so that the
-- search reads the recent incidents and not all of them.
CREATE INDEX incidents_span_end ON incidents (type, (coalesce(ended_at, last_seen_at)));
