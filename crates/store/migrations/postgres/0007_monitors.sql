-- Firebreak's own monitors: the definition as written, and where it stands
-- (state, watermark, next due time) as JSON changed only with a run.
CREATE TABLE monitors (
    org_id     BIGINT NOT NULL DEFAULT 1,
    name       TEXT COLLATE "C" NOT NULL,
    system     TEXT COLLATE "C" NOT NULL,
    definition TEXT COLLATE "C" NOT NULL,
    status     TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, name)
);

-- Every checked window (and every failure reported) of a monitor, numbered.
CREATE TABLE monitor_runs (
    org_id  BIGINT NOT NULL DEFAULT 1,
    monitor TEXT COLLATE "C" NOT NULL,
    seq     BIGINT NOT NULL,
    record  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, monitor, seq)
);
