-- Upgrade from schema version 1 to 2: the triggers that keep program_month right, the
-- table filled from the disbursements already stored (version 1 never wrote it), and
-- ix_disb_program_date with `id` after `date` (a program's rows in keyset order).
-- Frozen once released, like v1.sql.

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
