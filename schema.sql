-- zhida 直达 — the whole schema (SPEC §2). This file is the source of truth: a new database
-- is created from it (schema version = the last migration in crates/zhida-core/src/db.rs),
-- older databases are upgraded by the migrations in code.
--
-- Conventions: money is INTEGER 分 (fen); dates are TEXT 'YYYY-MM-DD'; months 'YYYY-MM'.
-- The constraints below protect the data on their own, whatever program writes to it.
-- A CHECK on a list of more than two values is written as ORs, not IN (...): SQLite
-- builds a temporary b-tree for such an IN list on every execution of an INSERT (about
-- 3 µs a row, a third of a bulk load).

PRAGMA foreign_keys = ON;

CREATE TABLE IF NOT EXISTS program (
    id                      INTEGER PRIMARY KEY,
    code                    TEXT NOT NULL UNIQUE CHECK (length(trim(code)) > 0),
    name                    TEXT NOT NULL CHECK (length(trim(name)) > 0),
    department              TEXT NOT NULL DEFAULT '',
    level                   TEXT NOT NULL CHECK (level = 'central' OR level = 'provincial' OR level = 'municipal' OR level = 'county'),
    fiscal_year             INTEGER NOT NULL CHECK (fiscal_year BETWEEN 1990 AND 2200),
    policy_ref              TEXT NOT NULL DEFAULT '',
    is_direct               INTEGER NOT NULL DEFAULT 0 CHECK (is_direct IN (0, 1)),
    start_date              TEXT CHECK (start_date IS NULL OR date(start_date) IS start_date),
    end_date                TEXT CHECK (end_date IS NULL OR date(end_date) IS end_date),
    cap_per_enterprise_fen  INTEGER CHECK (cap_per_enterprise_fen IS NULL OR cap_per_enterprise_fen > 0),
    once_per_year           INTEGER NOT NULL DEFAULT 0 CHECK (once_per_year IN (0, 1)),
    exclusive_group         TEXT CHECK (exclusive_group IS NULL OR length(trim(exclusive_group)) > 0),
    -- ';'-separated subset of large;medium;small;micro;individual, in that order; '' = all sizes
    eligible_sizes          TEXT NOT NULL DEFAULT '',
    status                  TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    CHECK (start_date IS NULL OR end_date IS NULL OR start_date <= end_date)
);

CREATE TABLE IF NOT EXISTS enterprise (
    id           INTEGER PRIMARY KEY,
    -- GB 32100-2015 统一社会信用代码; validated (check digit) by the domain layer
    credit_code  TEXT NOT NULL UNIQUE CHECK (length(credit_code) = 18 AND credit_code = upper(credit_code)),
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    size         TEXT NOT NULL CHECK (size = 'large' OR size = 'medium' OR size = 'small' OR size = 'micro' OR size = 'individual'),
    industry     TEXT NOT NULL DEFAULT '',
    township     TEXT NOT NULL DEFAULT '',
    contact      TEXT NOT NULL DEFAULT '',
    -- search keys kept beside the name: pinyin initials and full pinyin (lower case, no spaces)
    py_initials  TEXT NOT NULL DEFAULT '',
    py_full      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS allocation (
    id          INTEGER PRIMARY KEY,
    program_id  INTEGER NOT NULL REFERENCES program(id),
    date        TEXT NOT NULL CHECK (date(date) IS date),
    amount_fen  INTEGER NOT NULL CHECK (amount_fen <> 0),   -- negative = 调减
    doc_no      TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    -- 收到日期: when the bureau received the 指标 from the level above; 分解下达日期: when it
    -- passed it on (ALLOC_LATE counts the working days between them). Schema version 2.
    received_date    TEXT CHECK (received_date IS NULL OR date(received_date) IS received_date),
    distributed_date TEXT CHECK (distributed_date IS NULL OR date(distributed_date) IS distributed_date)
);
CREATE INDEX IF NOT EXISTS ix_allocation_program_date ON allocation(program_id, date);

CREATE TABLE IF NOT EXISTS disbursement (
    id           INTEGER PRIMARY KEY,
    voucher_no   TEXT NOT NULL UNIQUE CHECK (length(trim(voucher_no)) > 0),
    program_id   INTEGER NOT NULL REFERENCES program(id),
    enterprise_id INTEGER NOT NULL REFERENCES enterprise(id),
    amount_fen   INTEGER NOT NULL,
    date         TEXT NOT NULL CHECK (date(date) IS date),
    status       TEXT NOT NULL CHECK (status = 'pending' OR status = 'approved' OR status = 'paid' OR status = 'rejected'),
    entered_by   TEXT NOT NULL DEFAULT '',
    approved_by  TEXT NOT NULL DEFAULT '',
    reverses_id  INTEGER REFERENCES disbursement(id),      -- the row this reversal (冲销) cancels
    note         TEXT NOT NULL DEFAULT '',
    -- 复核日期 / 支付日期: the days of approval and payment (set by zhida's approve and pay,
    -- or imported); 按时发放率 counts the working days between them. Schema version 2.
    approved_date TEXT CHECK (approved_date IS NULL OR date(approved_date) IS approved_date),
    paid_date     TEXT CHECK (paid_date IS NULL OR date(paid_date) IS paid_date),
    -- only a paid reversal row may be negative; every other row is positive
    CHECK ((reverses_id IS NULL AND amount_fen > 0)
        OR (reverses_id IS NOT NULL AND amount_fen < 0 AND status = 'paid')),
    CHECK (reverses_id IS NULL OR reverses_id <> id)
);
-- indexes are named so that bulk import can drop and rebuild them (see import.rs)
-- (program_id, date) and the rowid after them: a program's rows in keyset order (date, id)
-- straight from the index. Not covering (schema version 4): the per-program sums of a
-- part of a month look up their rows (~20 ms for half a month at 1M rows), and the import
-- of a big file builds it 0.4 s faster.
CREATE INDEX IF NOT EXISTS ix_disb_program_date ON disbursement(program_id, date);
-- an enterprise's rows in (date, voucher_no) order, covering what the month-end checks read
-- (checks/scan.rs): a check reads this narrow index in ranges of enterprises, already in
-- the order its rules walk, instead of the whole table. The last column is SELF_APPROVED's
-- test. Schema version 4.
CREATE INDEX IF NOT EXISTS ix_disb_enterprise_date ON disbursement(enterprise_id, date, voucher_no,
    program_id, amount_fen, status, reverses_id, (approved_by <> '' AND approved_by = entered_by));
CREATE INDEX IF NOT EXISTS ix_disb_date ON disbursement(date);
CREATE INDEX IF NOT EXISTS ix_disb_reverses ON disbursement(reverses_id) WHERE reverses_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_disb_open ON disbursement(status, date) WHERE status IN ('pending', 'approved');

CREATE TABLE IF NOT EXISTS recovery (
    id                INTEGER PRIMARY KEY,
    program_id        INTEGER NOT NULL REFERENCES program(id),
    date              TEXT NOT NULL CHECK (date(date) IS date),
    amount_fen        INTEGER NOT NULL CHECK (amount_fen > 0),
    reason            TEXT NOT NULL CHECK (reason = 'idle' OR reason = 'expired' OR reason = 'performance' OR reason = 'clawback'),
    doc_no            TEXT NOT NULL DEFAULT '',
    enterprise_id     INTEGER REFERENCES enterprise(id),   -- clawback only
    reallocated_to_id INTEGER REFERENCES program(id),      -- 统筹安排 target
    allocation_id     INTEGER REFERENCES allocation(id),   -- the allocation created for it
    note              TEXT NOT NULL DEFAULT '',
    CHECK (enterprise_id IS NULL OR reason = 'clawback'),
    CHECK ((reallocated_to_id IS NULL) = (allocation_id IS NULL)),
    CHECK (reallocated_to_id IS NULL OR reallocated_to_id <> program_id)
);
CREATE INDEX IF NOT EXISTS ix_recovery_program_date ON recovery(program_id, date);

CREATE TABLE IF NOT EXISTS evaluation (
    id          INTEGER PRIMARY KEY,
    program_id  INTEGER NOT NULL REFERENCES program(id),
    year        INTEGER NOT NULL CHECK (year BETWEEN 1990 AND 2200),
    score_x100  INTEGER NOT NULL CHECK (score_x100 BETWEEN 0 AND 10000),  -- score × 100
    evaluator   TEXT NOT NULL DEFAULT '',
    date        TEXT NOT NULL CHECK (date(date) IS date),
    note        TEXT NOT NULL DEFAULT '',
    UNIQUE (program_id, year, date)
);

CREATE TABLE IF NOT EXISTS indicator (
    id          INTEGER PRIMARY KEY,
    program_id  INTEGER NOT NULL REFERENCES program(id),
    year        INTEGER NOT NULL CHECK (year BETWEEN 1990 AND 2200),
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    unit        TEXT NOT NULL DEFAULT '',
    target      TEXT NOT NULL,            -- canonical decimal text, compared exactly in Rust
    actual      TEXT,                     -- NULL = not yet known
    direction   TEXT NOT NULL CHECK (direction IN ('ge', 'le')),
    UNIQUE (program_id, year, name)
);

CREATE TABLE IF NOT EXISTS finding_ack (
    key   TEXT PRIMARY KEY,                -- rule|program|enterprise|voucher|year
    note  TEXT NOT NULL DEFAULT '',
    by    TEXT NOT NULL,
    at    TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS period_close (
    month      TEXT PRIMARY KEY CHECK (length(month) = 7 AND date(month || '-01') IS month || '-01'),
    closed_by  TEXT NOT NULL,
    closed_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS app_user (
    name        TEXT PRIMARY KEY CHECK (length(trim(name)) > 0),
    role        TEXT NOT NULL CHECK (role = 'clerk' OR role = 'supervisor' OR role = 'auditor'),
    created_at  TEXT NOT NULL
);

-- Append-only; each row carries the hash of the previous one (hash chain, see audit.rs).
CREATE TABLE IF NOT EXISTS audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user        TEXT NOT NULL,
    action      TEXT NOT NULL,
    tbl         TEXT NOT NULL,
    key         TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    prev_hash   TEXT NOT NULL DEFAULT '',
    hash        TEXT NOT NULL DEFAULT ''
);

-- Files already imported (sha-256 of content), so that loading the same file twice is refused.
CREATE TABLE IF NOT EXISTS import_batch (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL,
    file      TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    rows      INTEGER NOT NULL,
    by        TEXT NOT NULL,
    at        TEXT NOT NULL
);

-- ---------------------------------------------------------------- triggers

CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TRIGGER IF NOT EXISTS period_close_no_delete BEFORE DELETE ON period_close
BEGIN SELECT RAISE(ABORT, 'a closed month cannot be reopened'); END;
CREATE TRIGGER IF NOT EXISTS period_close_no_update BEFORE UPDATE ON period_close
BEGIN SELECT RAISE(ABORT, 'a closed month cannot be reopened'); END;

-- A paid row is never edited or deleted: a reversal (冲销) is a new row.
CREATE TRIGGER IF NOT EXISTS disbursement_paid_immutable BEFORE UPDATE ON disbursement
WHEN OLD.status = 'paid'
BEGIN SELECT RAISE(ABORT, 'paid disbursement is immutable; reverse it instead'); END;
CREATE TRIGGER IF NOT EXISTS disbursement_paid_no_delete BEFORE DELETE ON disbursement
WHEN OLD.status = 'paid'
BEGIN SELECT RAISE(ABORT, 'paid disbursement is immutable; reverse it instead'); END;
CREATE TRIGGER IF NOT EXISTS disbursement_status_flow BEFORE UPDATE OF status ON disbursement
WHEN NOT (OLD.status = NEW.status
       OR (OLD.status = 'pending'  AND NEW.status IN ('approved', 'rejected'))
       OR (OLD.status = 'approved' AND NEW.status IN ('paid', 'rejected')))
BEGIN SELECT RAISE(ABORT, 'invalid disbursement status change'); END;

-- Nothing dated in a closed month may be inserted, changed or deleted.
CREATE TRIGGER IF NOT EXISTS disbursement_closed_ins BEFORE INSERT ON disbursement
WHEN EXISTS (SELECT 1 FROM period_close WHERE month = substr(NEW.date, 1, 7))
BEGIN SELECT RAISE(ABORT, 'closed month'); END;
CREATE TRIGGER IF NOT EXISTS disbursement_closed_upd BEFORE UPDATE ON disbursement
WHEN EXISTS (SELECT 1 FROM period_close WHERE month IN (substr(OLD.date, 1, 7), substr(NEW.date, 1, 7)))
BEGIN SELECT RAISE(ABORT, 'closed month'); END;
CREATE TRIGGER IF NOT EXISTS disbursement_closed_del BEFORE DELETE ON disbursement
WHEN EXISTS (SELECT 1 FROM period_close WHERE month = substr(OLD.date, 1, 7))
BEGIN SELECT RAISE(ABORT, 'closed month'); END;

CREATE TRIGGER IF NOT EXISTS allocation_closed_ins BEFORE INSERT ON allocation
WHEN EXISTS (SELECT 1 FROM period_close WHERE month = substr(NEW.date, 1, 7))
BEGIN SELECT RAISE(ABORT, 'closed month'); END;
CREATE TRIGGER IF NOT EXISTS allocation_closed_upd BEFORE UPDATE ON allocation
WHEN EXISTS (SELECT 1 FROM period_close WHERE month IN (substr(OLD.date, 1, 7), substr(NEW.date, 1, 7)))
BEGIN SELECT RAISE(ABORT, 'closed month'); END;
CREATE TRIGGER IF NOT EXISTS allocation_closed_del BEFORE DELETE ON allocation
WHEN EXISTS (SELECT 1 FROM period_close WHERE month = substr(OLD.date, 1, 7))
BEGIN SELECT RAISE(ABORT, 'closed month'); END;

CREATE TRIGGER IF NOT EXISTS recovery_closed_ins BEFORE INSERT ON recovery
WHEN EXISTS (SELECT 1 FROM period_close WHERE month = substr(NEW.date, 1, 7))
BEGIN SELECT RAISE(ABORT, 'closed month'); END;
CREATE TRIGGER IF NOT EXISTS recovery_closed_upd BEFORE UPDATE ON recovery
WHEN EXISTS (SELECT 1 FROM period_close WHERE month IN (substr(OLD.date, 1, 7), substr(NEW.date, 1, 7)))
BEGIN SELECT RAISE(ABORT, 'closed month'); END;
CREATE TRIGGER IF NOT EXISTS recovery_closed_del BEFORE DELETE ON recovery
WHEN EXISTS (SELECT 1 FROM period_close WHERE month = substr(OLD.date, 1, 7))
BEGIN SELECT RAISE(ABORT, 'closed month'); END;

CREATE TRIGGER IF NOT EXISTS evaluation_closed_ins BEFORE INSERT ON evaluation
WHEN EXISTS (SELECT 1 FROM period_close WHERE month = substr(NEW.date, 1, 7))
BEGIN SELECT RAISE(ABORT, 'closed month'); END;
CREATE TRIGGER IF NOT EXISTS evaluation_closed_upd BEFORE UPDATE ON evaluation
WHEN EXISTS (SELECT 1 FROM period_close WHERE month IN (substr(OLD.date, 1, 7), substr(NEW.date, 1, 7)))
BEGIN SELECT RAISE(ABORT, 'closed month'); END;
CREATE TRIGGER IF NOT EXISTS evaluation_closed_del BEFORE DELETE ON evaluation
WHEN EXISTS (SELECT 1 FROM period_close WHERE month = substr(OLD.date, 1, 7))
BEGIN SELECT RAISE(ABORT, 'closed month'); END;

-- ---------------------------------------------------------------- maintained summaries

-- Disbursement figures per program and month (of the row's date), kept right by the
-- triggers below on every write to `disbursement`, whoever makes it (bulk import drops them
-- inside its transaction and writes the sums itself; see repo/summary.rs), so that
-- overviews never aggregate the whole disbursement table. Derived data: it can always be
-- rebuilt from `disbursement`.
CREATE TABLE IF NOT EXISTS program_month (
    program_id     INTEGER NOT NULL REFERENCES program(id),
    month          TEXT NOT NULL CHECK (length(month) = 7),       -- 'YYYY-MM'
    paid_fen       INTEGER NOT NULL DEFAULT 0,                    -- Σ paid, reversals included (net)
    committed_fen  INTEGER NOT NULL DEFAULT 0,                    -- Σ pending + approved
    paid_count     INTEGER NOT NULL DEFAULT 0,
    row_count      INTEGER NOT NULL DEFAULT 0,                    -- rows of any status
    last_paid      TEXT,                                          -- last paid positive row's date
    PRIMARY KEY (program_id, month)
) WITHOUT ROWID;

-- The triggers that keep program_month right. Named program_month_* so that bulk import
-- can drop and recreate them inside its transaction (repo/summary.rs). A program × month
-- row exists while it has disbursement rows; paid rows are immutable, so last_paid is only
-- recomputed (from the rows left in that month) on a path the schema already refuses.
CREATE TRIGGER IF NOT EXISTS program_month_ins AFTER INSERT ON disbursement
BEGIN
    INSERT INTO program_month (program_id, month, paid_fen, committed_fen, paid_count, row_count, last_paid)
    VALUES (NEW.program_id, substr(NEW.date, 1, 7),
            CASE WHEN NEW.status = 'paid' THEN NEW.amount_fen ELSE 0 END,
            CASE WHEN NEW.status IN ('pending', 'approved') THEN NEW.amount_fen ELSE 0 END,
            NEW.status = 'paid', 1,
            CASE WHEN NEW.status = 'paid' AND NEW.amount_fen > 0 THEN NEW.date END)
    ON CONFLICT (program_id, month) DO UPDATE SET
        paid_fen = paid_fen + excluded.paid_fen,
        committed_fen = committed_fen + excluded.committed_fen,
        paid_count = paid_count + excluded.paid_count,
        row_count = row_count + 1,
        last_paid = CASE WHEN excluded.last_paid IS NULL THEN last_paid
                         WHEN last_paid IS NULL OR excluded.last_paid > last_paid THEN excluded.last_paid
                         ELSE last_paid END;
END;
CREATE TRIGGER IF NOT EXISTS program_month_del AFTER DELETE ON disbursement
BEGIN
    UPDATE program_month SET
        paid_fen = paid_fen - CASE WHEN OLD.status = 'paid' THEN OLD.amount_fen ELSE 0 END,
        committed_fen = committed_fen - CASE WHEN OLD.status IN ('pending', 'approved') THEN OLD.amount_fen ELSE 0 END,
        paid_count = paid_count - (OLD.status = 'paid'),
        row_count = row_count - 1,
        last_paid = CASE WHEN OLD.status = 'paid' AND OLD.amount_fen > 0 THEN
            (SELECT MAX(date) FROM disbursement
             WHERE program_id = OLD.program_id AND date BETWEEN substr(OLD.date, 1, 7) || '-01' AND substr(OLD.date, 1, 7) || '-31'
               AND status = 'paid' AND amount_fen > 0)
            ELSE last_paid END
    WHERE program_id = OLD.program_id AND month = substr(OLD.date, 1, 7);
    DELETE FROM program_month WHERE program_id = OLD.program_id AND month = substr(OLD.date, 1, 7) AND row_count = 0;
END;
CREATE TRIGGER IF NOT EXISTS program_month_upd AFTER UPDATE OF program_id, date, status, amount_fen ON disbursement
BEGIN
    UPDATE program_month SET
        paid_fen = paid_fen - CASE WHEN OLD.status = 'paid' THEN OLD.amount_fen ELSE 0 END,
        committed_fen = committed_fen - CASE WHEN OLD.status IN ('pending', 'approved') THEN OLD.amount_fen ELSE 0 END,
        paid_count = paid_count - (OLD.status = 'paid'),
        row_count = row_count - 1,
        last_paid = CASE WHEN OLD.status = 'paid' AND OLD.amount_fen > 0 THEN
            (SELECT MAX(date) FROM disbursement
             WHERE program_id = OLD.program_id AND date BETWEEN substr(OLD.date, 1, 7) || '-01' AND substr(OLD.date, 1, 7) || '-31'
               AND status = 'paid' AND amount_fen > 0 AND id <> NEW.id)
            ELSE last_paid END
    WHERE program_id = OLD.program_id AND month = substr(OLD.date, 1, 7);
    DELETE FROM program_month WHERE program_id = OLD.program_id AND month = substr(OLD.date, 1, 7) AND row_count = 0;
    INSERT INTO program_month (program_id, month, paid_fen, committed_fen, paid_count, row_count, last_paid)
    VALUES (NEW.program_id, substr(NEW.date, 1, 7),
            CASE WHEN NEW.status = 'paid' THEN NEW.amount_fen ELSE 0 END,
            CASE WHEN NEW.status IN ('pending', 'approved') THEN NEW.amount_fen ELSE 0 END,
            NEW.status = 'paid', 1,
            CASE WHEN NEW.status = 'paid' AND NEW.amount_fen > 0 THEN NEW.date END)
    ON CONFLICT (program_id, month) DO UPDATE SET
        paid_fen = paid_fen + excluded.paid_fen,
        committed_fen = committed_fen + excluded.committed_fen,
        paid_count = paid_count + excluded.paid_count,
        row_count = row_count + 1,
        last_paid = CASE WHEN excluded.last_paid IS NULL THEN last_paid
                         WHEN last_paid IS NULL OR excluded.last_paid > last_paid THEN excluded.last_paid
                         ELSE last_paid END;
END;

-- ---------------------------------------------------------------- search cache

-- The enterprises' search keys packed into a few large values, for one-shot lookups
-- (`zhida status`, repo/name_cache.rs): key = kind << 32 | chunk. A cache: the triggers
-- below only count changes to `enterprise`; a reader rebuilds the values when `changes`
-- differs from `built`, or answers from `enterprise` itself.
CREATE TABLE IF NOT EXISTS enterprise_search (
    key   INTEGER PRIMARY KEY,
    data  BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS enterprise_search_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    changes  INTEGER NOT NULL DEFAULT 0,
    built    INTEGER
);
INSERT OR IGNORE INTO enterprise_search_state (id, changes) VALUES (1, 0);
CREATE TRIGGER IF NOT EXISTS enterprise_search_ins AFTER INSERT ON enterprise
BEGIN UPDATE enterprise_search_state SET changes = changes + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS enterprise_search_upd AFTER UPDATE OF id, credit_code, name, py_initials, py_full ON enterprise
BEGIN UPDATE enterprise_search_state SET changes = changes + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS enterprise_search_del AFTER DELETE ON enterprise
BEGIN UPDATE enterprise_search_state SET changes = changes + 1 WHERE id = 1; END;
