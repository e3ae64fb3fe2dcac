-- On-call configuration: schedules, escalation policies, teams, each user's
-- contact methods and each system's policy, one JSON record per entry,
-- every change sealed on the entry's chain (`oncall:<kind>:<slug>`).
CREATE TABLE oncall_records (
    org_id BIGINT NOT NULL DEFAULT 1,
    kind   TEXT COLLATE "C" NOT NULL,
    slug   TEXT COLLATE "C" NOT NULL,
    record TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, kind, slug)
);

-- Each paged incident's escalation: the plan computed when it was declared,
-- the steps already paged and when the scheduler must look again (D25), so
-- a restart neither skips nor repeats a step.
CREATE TABLE pages (
    org_id      BIGINT NOT NULL DEFAULT 1,
    incident    BIGINT NOT NULL,
    plan        TEXT COLLATE "C" NOT NULL,
    sent        TEXT COLLATE "C" NOT NULL,
    -- Unix milliseconds; NULL once nothing is left to page.
    next_due_ms BIGINT,
    PRIMARY KEY (org_id, incident)
);
CREATE INDEX pages_due ON pages (org_id, next_due_ms);

-- The incident whose timeline records each delivery attempt of a message.
ALTER TABLE outbox ADD COLUMN incident BIGINT;
