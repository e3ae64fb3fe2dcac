-- Root-cause analysis artifacts: the current version of each; every version
-- is sealed on the artifact's own chain (rca:<owner>:<kind>:<name>).
CREATE TABLE rca_artifacts (
    org_id INTEGER NOT NULL DEFAULT 1,
    owner  TEXT    NOT NULL,
    kind   TEXT    NOT NULL,
    name   TEXT    NOT NULL,
    record TEXT    NOT NULL,
    PRIMARY KEY (org_id, owner, kind, name)
);
