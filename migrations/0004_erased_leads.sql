-- Lead copies reach the index through a queue, so a copy made before a lead was erased can
-- arrive after the erasure (a retried batch). Each erasure is remembered here with its time, and
-- a copy made at or before it is dropped: an erased lead never comes back from the queue.
-- Append-only: never edit a migration that has shipped; add the next number.
CREATE TABLE IF NOT EXISTS erased_leads (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL
);
