-- Keis server storage, schema version 3: trusted edge servers.
--
-- A device approved as an edge (`admin approve ... --edge --hromada H`) is another
-- server that forwards the changes of its own devices, already authorised there; the
-- central server judges what it forwards with `keis_crdt::authz::authorize_edge`.
ALTER TABLE devices ADD COLUMN edge INTEGER NOT NULL DEFAULT 0 CHECK (edge IN (0, 1));
