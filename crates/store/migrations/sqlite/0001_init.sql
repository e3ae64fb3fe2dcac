-- Every key starts with org_id so that one deployment can later hold several
-- organisations, and PostgreSQL can distribute by it (D4).

CREATE TABLE users (
    org_id        INTEGER NOT NULL DEFAULT 1,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    password_hash TEXT,
    created_at    TEXT    NOT NULL,
    PRIMARY KEY (org_id, name)
);

CREATE TABLE tokens (
    org_id      INTEGER NOT NULL DEFAULT 1,
    id          TEXT    NOT NULL,
    user_name   TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL UNIQUE,
    scope       TEXT    NOT NULL,
    description TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_name) REFERENCES users (org_id, name)
);

CREATE TABLE sessions (
    org_id     INTEGER NOT NULL DEFAULT 1,
    id_hash    TEXT    NOT NULL,
    user_name  TEXT    NOT NULL,
    csrf_token TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    PRIMARY KEY (org_id, id_hash),
    FOREIGN KEY (org_id, user_name) REFERENCES users (org_id, name)
);

CREATE TABLE systems (
    org_id  INTEGER NOT NULL DEFAULT 1,
    slug    TEXT    NOT NULL,
    record  TEXT    NOT NULL,
    PRIMARY KEY (org_id, slug)
);

CREATE TABLE incidents (
    org_id      INTEGER NOT NULL DEFAULT 1,
    number      INTEGER NOT NULL,
    -- Filters read the record with json_extract, so there is no second copy
    -- of any field that could disagree with it.
    record      TEXT    NOT NULL,
    PRIMARY KEY (org_id, number)
);

-- The append-only timeline. Rows are only ever inserted.
CREATE TABLE events (
    org_id      INTEGER NOT NULL DEFAULT 1,
    stream      TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    occurred_at TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    state_hash  TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    PRIMARY KEY (org_id, stream, seq)
);

CREATE TABLE checkpoints (
    org_id     INTEGER NOT NULL DEFAULT 1,
    number     INTEGER NOT NULL,
    body       TEXT    NOT NULL,
    public_key TEXT    NOT NULL,
    signature  TEXT    NOT NULL,
    PRIMARY KEY (org_id, number)
);
