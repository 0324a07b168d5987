-- crm-index schema, version 5: the index equals the CRMs.

-- A connector's own state between runs (Cursor::state / Page::state in
-- connectors/connector.h), opaque to the engine: for Dynamics, one Dataverse delta link per
-- entity set. NULL until a connector returns one. Written in the transaction of the page
-- that returned it, so it never runs ahead of the records it describes.
ALTER TABLE sources ADD COLUMN connector_state TEXT;

-- Records whose CRM moved only their modification time (no mapped field changed): their
-- remote_updated_ms was brought level, nothing else written. A subset of `unchanged`.
ALTER TABLE runs ADD COLUMN touched INTEGER NOT NULL DEFAULT 0;
