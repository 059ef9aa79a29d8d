-- Upgrade from schema version 2 to 3: the triggers that keep program_month right, the
-- table filled from the disbursements already stored (versions 1 and 2 never wrote it),
-- ix_disb_program_date with `id` after `date` (a program's rows in keyset order),
-- CHECKs on lists of values written without IN (...), and the enterprise search cache
-- (built by its first reader).
-- Frozen once released, like v1.sql.

-- CHECKs on lists of values as ORs instead of IN (...) (see schema.sql): the same
-- constraints, so the table text is changed in place, as SQLite documents for changes
-- that leave the stored rows as they are; the DDL below bumps the schema version, so
-- other connections read it again too.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'level IN (''central'', ''provincial'', ''municipal'', ''county'')', 'level = ''central'' OR level = ''provincial'' OR level = ''municipal'' OR level = ''county''')
WHERE type = 'table' AND name = 'program';
UPDATE sqlite_schema SET sql = replace(sql, 'size IN (''large'', ''medium'', ''small'', ''micro'', ''individual'')', 'size = ''large'' OR size = ''medium'' OR size = ''small'' OR size = ''micro'' OR size = ''individual''')
WHERE type = 'table' AND name = 'enterprise';
UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''pending'', ''approved'', ''paid'', ''rejected'')', 'status = ''pending'' OR status = ''approved'' OR status = ''paid'' OR status = ''rejected''')
WHERE type = 'table' AND name = 'disbursement';
UPDATE sqlite_schema SET sql = replace(sql, 'reason IN (''idle'', ''expired'', ''performance'', ''clawback'')', 'reason = ''idle'' OR reason = ''expired'' OR reason = ''performance'' OR reason = ''clawback''')
WHERE type = 'table' AND name = 'recovery';
UPDATE sqlite_schema SET sql = replace(sql, 'role IN (''clerk'', ''supervisor'', ''auditor'')', 'role = ''clerk'' OR role = ''supervisor'' OR role = ''auditor''')
WHERE type = 'table' AND name = 'app_user';
-- RESET: writing off, and this connection reads the changed schema again
PRAGMA writable_schema = RESET;

DROP INDEX IF EXISTS ix_disb_program_date;
CREATE INDEX ix_disb_program_date ON disbursement(program_id, date, id, amount_fen, status);
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

DELETE FROM program_month;
INSERT INTO program_month (program_id, month, paid_fen, committed_fen, paid_count, row_count, last_paid)
SELECT program_id, substr(date, 1, 7),
       SUM(CASE WHEN status = 'paid' THEN amount_fen ELSE 0 END),
       SUM(CASE WHEN status IN ('pending', 'approved') THEN amount_fen ELSE 0 END),
       SUM(status = 'paid'),
       COUNT(*),
       MAX(CASE WHEN status = 'paid' AND amount_fen > 0 THEN date END)
FROM disbursement GROUP BY program_id, substr(date, 1, 7);

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
