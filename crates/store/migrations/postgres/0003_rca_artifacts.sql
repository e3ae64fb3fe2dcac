-- Root-cause analysis artifacts: the current version of each; every version
-- is sealed on the artifact's own chain (rca:<owner>:<kind>:<name>).
CREATE TABLE rca_artifacts (
    org_id BIGINT  NOT NULL DEFAULT 1,
    owner  TEXT COLLATE "C"    NOT NULL,
    kind   TEXT COLLATE "C"    NOT NULL,
    name   TEXT COLLATE "C"    NOT NULL,
    record TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, owner, kind, name)
);
