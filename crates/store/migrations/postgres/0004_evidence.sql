-- The evidence vault's records: the content lives in the blob store under
-- its SHA-256; every custody step is sealed on the item's own chain
-- (evidence:EV-<number>) and announced on the incident's.
CREATE TABLE evidence (
    org_id   BIGINT  NOT NULL DEFAULT 1,
    number   BIGINT  NOT NULL,
    incident BIGINT  NOT NULL,
    sha256   TEXT COLLATE "C"    NOT NULL,
    record   TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, number)
);
CREATE INDEX evidence_by_incident ON evidence (org_id, incident, number);
CREATE INDEX evidence_by_content ON evidence (org_id, sha256);
