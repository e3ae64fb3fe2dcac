-- Containment: the control state serving code reads, per namespace and system.
CREATE TABLE control_states (
    org_id    INTEGER NOT NULL DEFAULT 1,
    namespace TEXT    NOT NULL,
    system    TEXT    NOT NULL,
    record    TEXT    NOT NULL,
    PRIMARY KEY (org_id, namespace, system)
);

-- Outbound hooks called when a system's control state changes.
CREATE TABLE control_hooks (
    org_id     INTEGER NOT NULL DEFAULT 1,
    id         TEXT    NOT NULL,
    system     TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    secret     TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (org_id, id)
);

-- Alert sources with their keys (hashed) and routing rules.
CREATE TABLE integrations (
    org_id     INTEGER NOT NULL DEFAULT 1,
    id         TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    key_hash   TEXT    NOT NULL UNIQUE,
    rules      TEXT    NOT NULL,
    -- Generic JSON sources: where each alert field is found (JSON pointers).
    mapping    TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    revoked_at TEXT,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE alerts (
    org_id      INTEGER NOT NULL DEFAULT 1,
    id          INTEGER NOT NULL,
    integration TEXT    NOT NULL,
    dedup_key   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    record      TEXT    NOT NULL,
    PRIMARY KEY (org_id, id)
);
-- With id last, "the newest alert with this key" is one index seek.
CREATE INDEX alerts_by_dedup_key ON alerts (org_id, integration, dedup_key, id);
