-- Changes on inventory systems (deploys, model versions promoted or rolled
-- back, training data, pipelines, configuration, prompts, flags), each
-- sealed on a chain of its own (`change:CH-<number>`). `at_ms` (Unix
-- milliseconds) is when it took effect, for "what changed before this".
CREATE TABLE changes (
    org_id      BIGINT  NOT NULL DEFAULT 1,
    number      BIGINT  NOT NULL,
    system      TEXT COLLATE "C" NOT NULL,
    at_ms       BIGINT  NOT NULL,
    -- The sender's own id: a retried webhook delivery is recorded once.
    external_id TEXT COLLATE "C",
    record      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, number)
);
CREATE INDEX changes_by_system ON changes (org_id, system, at_ms);
CREATE UNIQUE INDEX changes_by_external_id ON changes (org_id, external_id);

-- GitHub and GitLab projects whose deployment webhooks are recorded as
-- changes: the routing rules and the webhook secret, sealed by the server
-- (D28); each save sealed on `change-source:<slug>`.
CREATE TABLE change_sources (
    org_id BIGINT  NOT NULL DEFAULT 1,
    slug   TEXT COLLATE "C" NOT NULL,
    record TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, slug)
);
