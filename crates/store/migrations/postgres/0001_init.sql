-- Every key starts with org_id so that one deployment can later hold several
-- organisations, and PostgreSQL can distribute by it (D4).

CREATE TABLE users (
    org_id        BIGINT  NOT NULL DEFAULT 1,
    name          TEXT COLLATE "C"    NOT NULL,
    role          TEXT COLLATE "C"    NOT NULL,
    password_hash TEXT COLLATE "C",
    created_at    TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, name)
);

CREATE TABLE tokens (
    org_id      BIGINT  NOT NULL DEFAULT 1,
    id          TEXT COLLATE "C"    NOT NULL,
    user_name   TEXT COLLATE "C"    NOT NULL,
    secret_hash TEXT COLLATE "C"    NOT NULL UNIQUE,
    scope       TEXT COLLATE "C"    NOT NULL,
    description TEXT COLLATE "C"    NOT NULL,
    created_at  TEXT COLLATE "C"    NOT NULL,
    expires_at  TEXT COLLATE "C",
    revoked_at  TEXT COLLATE "C",
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_name) REFERENCES users (org_id, name)
);

CREATE TABLE sessions (
    org_id     BIGINT  NOT NULL DEFAULT 1,
    id_hash    TEXT COLLATE "C"    NOT NULL,
    user_name  TEXT COLLATE "C"    NOT NULL,
    csrf_token TEXT COLLATE "C"    NOT NULL,
    expires_at TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, id_hash),
    FOREIGN KEY (org_id, user_name) REFERENCES users (org_id, name)
);

CREATE TABLE systems (
    org_id  BIGINT  NOT NULL DEFAULT 1,
    slug    TEXT COLLATE "C"    NOT NULL,
    record  TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, slug)
);

CREATE TABLE incidents (
    org_id      BIGINT  NOT NULL DEFAULT 1,
    number      BIGINT  NOT NULL,
    -- Filters read the record as jsonb, so there is no second copy
    -- of any field that could disagree with it.
    record      TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, number)
);

-- The append-only timeline. Rows are only ever inserted.
CREATE TABLE events (
    org_id      BIGINT  NOT NULL DEFAULT 1,
    stream      TEXT COLLATE "C"    NOT NULL,
    seq         BIGINT  NOT NULL,
    kind        TEXT COLLATE "C"    NOT NULL,
    occurred_at TEXT COLLATE "C"    NOT NULL,
    recorded_at TEXT COLLATE "C"    NOT NULL,
    actor       TEXT COLLATE "C"    NOT NULL,
    body        TEXT COLLATE "C"    NOT NULL,
    state_hash  TEXT COLLATE "C"    NOT NULL,
    prev_hash   TEXT COLLATE "C"    NOT NULL,
    hash        TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, stream, seq)
);

CREATE TABLE checkpoints (
    org_id     BIGINT  NOT NULL DEFAULT 1,
    number     BIGINT  NOT NULL,
    body       TEXT COLLATE "C"    NOT NULL,
    public_key TEXT COLLATE "C"    NOT NULL,
    signature  TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, number)
);
