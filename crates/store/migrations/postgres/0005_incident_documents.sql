-- Documents that belong to one incident and change over its life: its
-- regulatory record (questionnaire, deadlines, reports, submissions) and its
-- post-mortem. The current version is here; every change is sealed on the
-- document's own chain (<kind>:INC-<n>) and announced on the incident's.
CREATE TABLE incident_documents (
    org_id   BIGINT  NOT NULL DEFAULT 1,
    kind     TEXT COLLATE "C"    NOT NULL,
    incident BIGINT  NOT NULL,
    record   TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (org_id, kind, incident)
);
