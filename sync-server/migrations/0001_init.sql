-- Keis server storage, schema version 1. Released migrations are never edited: add a
-- new numbered file instead.

-- One Automerge document per case: a snapshot (NULL until the first compaction) plus the
-- change chunks appended since. `seq` is the sequence number of the document's latest
-- change (the change cursor); `snapshot_covers` is the last chunk the snapshot includes.
CREATE TABLE docs (
    doc_id          TEXT PRIMARY KEY NOT NULL,
    scope           TEXT NOT NULL,
    snapshot        BLOB,
    snapshot_covers INTEGER NOT NULL DEFAULT 0,
    seq             INTEGER NOT NULL
) STRICT;
CREATE INDEX docs_by_scope_seq ON docs (scope, seq);
CREATE INDEX docs_by_seq ON docs (seq);

-- AUTOINCREMENT: a chunk id is never reused, so ids only grow; the chunk id is the
-- change sequence number.
CREATE TABLE doc_chunks (
    chunk_id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id   TEXT NOT NULL REFERENCES docs (doc_id) ON DELETE CASCADE,
    bytes    BLOB NOT NULL
) STRICT;
CREATE INDEX doc_chunks_by_doc ON doc_chunks (doc_id, chunk_id);

-- Automerge sync state per (peer, document), opaque.
CREATE TABLE sync_states (
    peer_id TEXT NOT NULL,
    doc_id  TEXT NOT NULL,
    state   BLOB NOT NULL,
    PRIMARY KEY (peer_id, doc_id)
) STRICT, WITHOUT ROWID;

-- Blobs whose bytes are stored (files under blobs/), by SHA-256 hex.
CREATE TABLE blobs (
    sha256    TEXT PRIMARY KEY NOT NULL,
    size      INTEGER NOT NULL,
    stored_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Uploads in progress: bytes [0, received) are in blobs/partial/<sha256>.
CREATE TABLE blob_uploads (
    sha256   TEXT PRIMARY KEY NOT NULL,
    size     INTEGER NOT NULL,
    received INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

CREATE TABLE devices (
    device_id          TEXT PRIMARY KEY NOT NULL,
    public_key         BLOB NOT NULL UNIQUE,
    display_name       TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'revoked')),
    approval_code_hash BLOB,
    created_at         INTEGER NOT NULL,
    approved_at        INTEGER,
    revoked_at         INTEGER
) STRICT;

CREATE TABLE device_positions (
    device_id   TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    position_id TEXT NOT NULL,
    role        TEXT NOT NULL,
    scope       TEXT NOT NULL,
    PRIMARY KEY (device_id, position_id)
) STRICT;

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    device_id   TEXT NOT NULL,
    position_id TEXT,
    case_id     TEXT,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_by_case ON audit_log (case_id, at, id);
CREATE INDEX audit_by_at ON audit_log (at, id);
