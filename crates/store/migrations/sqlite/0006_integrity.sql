-- Each stream's head, so that an append reads one row instead of searching
-- the stream's events.
CREATE TABLE streams (
    org_id INTEGER NOT NULL DEFAULT 1,
    stream TEXT    NOT NULL,
    seq    INTEGER NOT NULL,
    hash   TEXT    NOT NULL,
    PRIMARY KEY (org_id, stream)
);
INSERT INTO streams (org_id, stream, seq, hash)
    SELECT org_id, stream, max(seq), hash FROM events GROUP BY org_id, stream;

-- Every event's place in the one global log whose Merkle root checkpoints
-- sign; events recorded before this migration keep their insertion order.
ALTER TABLE events ADD COLUMN position INTEGER;
UPDATE events SET position = ordered.position
    FROM (SELECT rowid AS id, row_number() OVER (PARTITION BY org_id ORDER BY rowid) AS position
          FROM events) AS ordered
    WHERE events.rowid = ordered.id;
CREATE UNIQUE INDEX events_by_position ON events (org_id, position);

-- The Merkle frontier after each checkpoint, so the next one hashes only the
-- events since. Derived data: verification recomputes every root itself.
ALTER TABLE checkpoints ADD COLUMN log_frontier TEXT;

-- Outbound messages, written in the transaction of the change that caused
-- them and delivered by the scheduler (D26).
CREATE TABLE outbox (
    org_id          INTEGER NOT NULL DEFAULT 1,
    id              INTEGER NOT NULL,
    channel         TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Unix milliseconds; NULL once delivered or given up.
    next_attempt_ms INTEGER,
    delivered_at    TEXT,
    last_error      TEXT,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, idempotency_key)
);
CREATE INDEX outbox_due ON outbox (org_id, next_attempt_ms);
