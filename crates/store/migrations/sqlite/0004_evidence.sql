-- The evidence vault's records: the content lives in the blob store under
-- its SHA-256; every custody step is sealed on the item's own chain
-- (evidence:EV-<number>) and announced on the incident's.
CREATE TABLE evidence (
    org_id   INTEGER NOT NULL DEFAULT 1,
    number   INTEGER NOT NULL,
    incident INTEGER NOT NULL,
    sha256   TEXT    NOT NULL,
    record   TEXT    NOT NULL,
    PRIMARY KEY (org_id, number)
);
CREATE INDEX evidence_by_incident ON evidence (org_id, incident, number);
CREATE INDEX evidence_by_content ON evidence (org_id, sha256);
