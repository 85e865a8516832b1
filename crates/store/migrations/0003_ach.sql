-- Operator keys may use the admin API.
ALTER TABLE api_keys ADD COLUMN operator BOOLEAN NOT NULL DEFAULT FALSE;

-- Where each entry went: its file and its trace sequence (global, never reused; the trace
-- number is the ODFI's 8 digits and this sequence's last 7), and what came back.
ALTER TABLE ach_entries ADD COLUMN file_id TEXT;
ALTER TABLE ach_entries ADD COLUMN trace_seq BIGINT;
ALTER TABLE ach_entries ADD COLUMN return_code TEXT;
ALTER TABLE ach_entries ADD COLUMN returned_on BIGINT;
CREATE UNIQUE INDEX ach_entries_trace_seq ON ach_entries (trace_seq);
CREATE INDEX ach_entries_by_file ON ach_entries (file_id, trace_seq);

-- One row: serializes cutoffs across processes and hands out trace sequences.
CREATE TABLE ach_origination_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    next_trace_seq BIGINT NOT NULL,
    last_window_at BIGINT
);
INSERT INTO ach_origination_state (id, next_trace_seq, last_window_at) VALUES (1, 1, NULL);

-- Every NACHA file Pennydrop originated. The content is kept so a file can be rewritten after a
-- crash, redelivered, or downloaded by an operator.
CREATE TABLE ach_files (
    file_id            TEXT PRIMARY KEY,
    file_name          TEXT NOT NULL UNIQUE,
    created_on         BIGINT NOT NULL,
    window_at          BIGINT,
    effective_date     TEXT NOT NULL,
    file_id_modifier   TEXT NOT NULL,
    entry_count        BIGINT NOT NULL,
    total_credit_cents BIGINT NOT NULL,
    total_debit_cents  BIGINT NOT NULL,
    status             TEXT NOT NULL,
    content            TEXT,
    written_on         BIGINT,
    delivered_on       BIGINT,
    delivery_error     TEXT,
    -- The node (data directory) that claimed the file writes it; another node takes over only
    -- after a lease, when the claimer is presumed dead.
    writer             TEXT NOT NULL
);
CREATE INDEX ach_files_by_status ON ach_files (status, created_on);

-- Files received from the bank (returns, NOCs): applied, or quarantined with the reason.
CREATE TABLE ach_inbound_files (
    inbound_id  TEXT PRIMARY KEY,
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL UNIQUE,
    received_on BIGINT NOT NULL,
    status      TEXT NOT NULL,
    error       TEXT,
    returns     BIGINT NOT NULL,
    nocs        BIGINT NOT NULL
);

-- Notifications of change as received. Corrected data is never stored in clear: only which
-- fields changed.
CREATE TABLE ach_notifications (
    noc_id          TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    bank_account_id TEXT NOT NULL,
    entry_id        TEXT NOT NULL,
    change_code     TEXT NOT NULL,
    changed_fields  TEXT NOT NULL,
    received_on     BIGINT NOT NULL
);
CREATE INDEX ach_notifications_by_bank_account ON ach_notifications (bank_account_id);
-- A NOC file applied again after a crash records nothing twice.
CREATE UNIQUE INDEX ach_notifications_once ON ach_notifications (entry_id, change_code);

-- The simulated bank remembers which outbox files it has read.
CREATE TABLE simulator_ach_files (
    file_name  TEXT PRIMARY KEY,
    read_on    BIGINT NOT NULL
);
