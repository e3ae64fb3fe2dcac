-- Containment: the control state serving code reads, per namespace and system.
CREATE TABLE control_states (
    org_id    BIGINT  NOT NULL DEFAULT 1,
    namespace TEXT COLLATE "C"    NOT NULL,
    system    TEXT COLLATE "C"    NOT NULL,
    record    TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, namespace, system)
);

-- Outbound hooks called when a system's control state changes.
CREATE TABLE control_hooks (
    org_id     BIGINT  NOT NULL DEFAULT 1,
    id         TEXT COLLATE "C"    NOT NULL,
    system     TEXT COLLATE "C"    NOT NULL,
    url        TEXT COLLATE "C"    NOT NULL,
    secret     TEXT COLLATE "C"    NOT NULL,
    created_at TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, id)
);

-- Alert sources with their keys (hashed) and routing rules.
CREATE TABLE integrations (
    org_id     BIGINT  NOT NULL DEFAULT 1,
    id         TEXT COLLATE "C"    NOT NULL,
    name       TEXT COLLATE "C"    NOT NULL,
    source     TEXT COLLATE "C"    NOT NULL,
    key_hash   TEXT COLLATE "C"    NOT NULL UNIQUE,
    rules      TEXT COLLATE "C"    NOT NULL,
    -- Generic JSON sources: where each alert field is found (JSON pointers).
    mapping    TEXT COLLATE "C"    NOT NULL,
    created_at TEXT COLLATE "C"    NOT NULL,
    revoked_at TEXT COLLATE "C",
    PRIMARY KEY (org_id, id)
);

CREATE TABLE alerts (
    org_id      BIGINT  NOT NULL DEFAULT 1,
    id          BIGINT  NOT NULL,
    integration TEXT COLLATE "C"    NOT NULL,
    dedup_key   TEXT COLLATE "C"    NOT NULL,
    status      TEXT COLLATE "C"    NOT NULL,
    record      TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, id)
);
-- With id last, "the newest alert with this key" is one index seek.
CREATE INDEX alerts_by_dedup_key ON alerts (org_id, integration, dedup_key, id);
