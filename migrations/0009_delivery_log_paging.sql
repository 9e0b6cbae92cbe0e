-- The delivery log (GET /v1/deliveries) pages newest first with ties by id (worker/paging.ts):
-- indexes in that very order let a page seek to its cursor instead of sorting the whole log,
-- with or without status=. The new status index covers every use of the old one (its prefix).
CREATE INDEX IF NOT EXISTS deliveries_by_time ON deliveries (updated_at DESC, id);
CREATE INDEX IF NOT EXISTS deliveries_by_status_time ON deliveries (status, updated_at DESC, id);
DROP INDEX IF EXISTS deliveries_by_status;
