-- Keis server storage, schema version 2: the journal of cases, a projection of the case
-- documents recomputed by the server each time it stores a change of a case. It can be
-- rebuilt from `docs` at any time. Holds personal data (applicant's name and RNOKPP) by
-- design: the back office's register.

CREATE TABLE journal (
    case_id          TEXT PRIMARY KEY NOT NULL,
    number           TEXT NOT NULL,
    hromada          TEXT NOT NULL,
    district         TEXT,
    applicant        TEXT NOT NULL,
    -- The applicant's full name lowercased in Rust (SQLite's lower() is ASCII only), for
    -- prefix search with LIKE.
    search_name      TEXT NOT NULL,
    -- Searched by exact match only.
    rnokpp           TEXT,
    -- JSON array of service codes (filtered with json_each).
    services         TEXT NOT NULL,
    -- 1-8 for an application; NULL for social work or in conflict.
    status_number    INTEGER CHECK (status_number BETWEEN 1 AND 8),
    status           TEXT NOT NULL,
    conflict         INTEGER NOT NULL CHECK (conflict IN (0, 1)),
    package_complete INTEGER NOT NULL CHECK (package_complete IN (0, 1)),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX journal_by_hromada_created ON journal (hromada, created_at DESC, case_id);
CREATE INDEX journal_by_created ON journal (created_at DESC, case_id);
CREATE INDEX journal_by_status ON journal (status_number, created_at DESC);
CREATE INDEX journal_by_rnokpp ON journal (rnokpp) WHERE rnokpp IS NOT NULL;
CREATE INDEX journal_by_name ON journal (search_name);
