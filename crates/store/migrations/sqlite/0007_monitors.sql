-- Firebreak's own monitors: the definition as written, and where it stands
-- (state, watermark, next due time) as JSON changed only with a run.
CREATE TABLE monitors (
    org_id     INTEGER NOT NULL DEFAULT 1,
    name       TEXT    NOT NULL,
    system     TEXT    NOT NULL,
    definition TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (org_id, name)
);

-- Every checked window (and every failure reported) of a monitor, numbered.
CREATE TABLE monitor_runs (
    org_id  INTEGER NOT NULL DEFAULT 1,
    monitor TEXT    NOT NULL,
    seq     INTEGER NOT NULL,
    record  TEXT    NOT NULL,
    PRIMARY KEY (org_id, monitor, seq)
);
