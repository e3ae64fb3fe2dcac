-- The same tables as SQLite's migration 6. A PostgreSQL database starts
-- empty at migration 1, so nothing recorded before this one needs carrying
-- over (SQLite's version orders old events by rowid and seals old access rows).

-- Each stream's head, so that an append reads one row instead of searching
-- the stream's events; the write lock is taken before it is read.
CREATE TABLE streams (
    org_id BIGINT  NOT NULL DEFAULT 1,
    stream TEXT COLLATE "C"    NOT NULL,
    seq    BIGINT  NOT NULL,
    hash   TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, stream)
);

-- Every event's place in the one global log whose Merkle root checkpoints
-- sign.
ALTER TABLE events ADD COLUMN position BIGINT;
CREATE UNIQUE INDEX events_by_position ON events (org_id, position);

-- The Merkle frontier after each checkpoint, so the next one hashes only the
-- events since. Derived data: verification recomputes every root itself.
ALTER TABLE checkpoints ADD COLUMN log_frontier TEXT;

-- Outbound messages, written in the transaction of the change that caused
-- them and delivered by the scheduler (D26).
CREATE TABLE outbox (
    org_id          BIGINT  NOT NULL DEFAULT 1,
    id              BIGINT  NOT NULL,
    channel         TEXT COLLATE "C"    NOT NULL,
    target          TEXT COLLATE "C"    NOT NULL,
    payload         TEXT COLLATE "C"    NOT NULL,
    idempotency_key TEXT COLLATE "C"    NOT NULL,
    created_at      TEXT COLLATE "C"    NOT NULL,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    -- Unix milliseconds; NULL once delivered or given up.
    next_attempt_ms BIGINT,
    delivered_at    TEXT COLLATE "C",
    last_error      TEXT COLLATE "C",
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, idempotency_key)
);
CREATE INDEX outbox_due ON outbox (org_id, next_attempt_ms);
