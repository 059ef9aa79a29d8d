-- Fallback loader for bench/run.sh while `zhida import` is not implemented: loads the
-- generated CSVs (bench/out/data) into a database created by `zhida init`, with the
-- sqlite3 CLI only. Assumes the generator's formats (amounts always with 2 decimals,
-- English enum names, yes/no). Indexes are dropped during the load and rebuilt from
-- schema.sql afterwards, as a bulk import would.
.bail on
.mode csv
PRAGMA foreign_keys = OFF;
CREATE TABLE stage_prog(code, name, department, level, fiscal_year, policy_ref, is_direct, start_date, end_date,
                        cap_per_enterprise, once_per_year, exclusive_group, eligible_sizes, status);
CREATE TABLE stage_ent(credit_code, name, size, industry, township, contact);
CREATE TABLE stage_alloc(program, date, amount, doc_no, note);
CREATE TABLE stage_disb(voucher_no, program, credit_code, amount, date, status, entered_by, approved_by, reverses, note);
CREATE TABLE stage_rec(program, date, amount, reason, doc_no, credit_code, reallocated_to);
CREATE TABLE stage_eval(program, year, score, evaluator, date, note);
CREATE TABLE stage_ind(program, year, name, unit, target, actual, direction);
.import --skip 1 bench/out/data/programs.csv stage_prog
.import --skip 1 bench/out/data/enterprises.csv stage_ent
.import --skip 1 bench/out/data/allocations.csv stage_alloc
.import --skip 1 bench/out/data/disbursements.csv stage_disb
.import --skip 1 bench/out/data/recoveries.csv stage_rec
.import --skip 1 bench/out/data/evaluations.csv stage_eval
.import --skip 1 bench/out/data/indicators.csv stage_ind

BEGIN;
DROP INDEX IF EXISTS ix_disb_program_date;
DROP INDEX IF EXISTS ix_disb_enterprise_date;
DROP INDEX IF EXISTS ix_disb_date;
DROP INDEX IF EXISTS ix_disb_reverses;
DROP INDEX IF EXISTS ix_disb_open;
DROP TRIGGER IF EXISTS program_month_ins;
DROP TRIGGER IF EXISTS program_month_del;
DROP TRIGGER IF EXISTS program_month_upd;

INSERT INTO program (code, name, department, level, fiscal_year, policy_ref, is_direct, start_date, end_date,
                     cap_per_enterprise_fen, once_per_year, exclusive_group, eligible_sizes, status)
SELECT code, name, department, level, CAST(fiscal_year AS INTEGER), policy_ref, is_direct = 'yes',
       nullif(start_date, ''), nullif(end_date, ''),
       CASE WHEN cap_per_enterprise = '' THEN NULL ELSE CAST(replace(cap_per_enterprise, '.', '') AS INTEGER) END,
       once_per_year = 'yes', nullif(exclusive_group, ''), eligible_sizes, status
FROM stage_prog ORDER BY rowid;

INSERT INTO enterprise (credit_code, name, size, industry, township, contact)
SELECT credit_code, name, size, industry, township, contact FROM stage_ent ORDER BY rowid;

INSERT INTO allocation (program_id, date, amount_fen, doc_no, note)
SELECT p.id, s.date, CAST(replace(s.amount, '.', '') AS INTEGER), s.doc_no, s.note
FROM stage_alloc s JOIN program p ON p.code = s.program ORDER BY s.rowid;

INSERT INTO disbursement (voucher_no, program_id, enterprise_id, amount_fen, date, status, entered_by, approved_by, note)
SELECT s.voucher_no, p.id, e.id, CAST(replace(s.amount, '.', '') AS INTEGER), s.date, s.status,
       s.entered_by, s.approved_by, s.note
FROM stage_disb s JOIN program p ON p.code = s.program JOIN enterprise e ON e.credit_code = s.credit_code
WHERE s.reverses = '' ORDER BY s.rowid;

INSERT INTO disbursement (voucher_no, program_id, enterprise_id, amount_fen, date, status, entered_by, approved_by, reverses_id, note)
SELECT s.voucher_no, p.id, e.id, CAST(replace(s.amount, '.', '') AS INTEGER), s.date, s.status,
       s.entered_by, s.approved_by, (SELECT d.id FROM disbursement d WHERE d.voucher_no = s.reverses), s.note
FROM stage_disb s JOIN program p ON p.code = s.program JOIN enterprise e ON e.credit_code = s.credit_code
WHERE s.reverses <> '' ORDER BY s.rowid;

INSERT INTO allocation (program_id, date, amount_fen, doc_no, note)
SELECT t.id, s.date, CAST(replace(s.amount, '.', '') AS INTEGER), s.doc_no, '统筹安排：自 ' || s.program || ' 收回调入'
FROM stage_rec s JOIN program t ON t.code = s.reallocated_to ORDER BY s.rowid;

INSERT INTO recovery (program_id, date, amount_fen, reason, doc_no, enterprise_id, reallocated_to_id, allocation_id)
SELECT p.id, s.date, CAST(replace(s.amount, '.', '') AS INTEGER), s.reason, s.doc_no,
       (SELECT id FROM enterprise WHERE credit_code = s.credit_code),
       t.id,
       (SELECT max(a.id) FROM allocation a WHERE a.program_id = t.id AND a.date = s.date AND a.doc_no = s.doc_no)
FROM stage_rec s JOIN program p ON p.code = s.program LEFT JOIN program t ON t.code = s.reallocated_to
ORDER BY s.rowid;

INSERT INTO evaluation (program_id, year, score_x100, evaluator, date, note)
SELECT p.id, CAST(s.year AS INTEGER), CAST(replace(s.score, '.', '') AS INTEGER), s.evaluator, s.date, s.note
FROM stage_eval s JOIN program p ON p.code = s.program;

INSERT INTO indicator (program_id, year, name, unit, target, actual, direction)
SELECT p.id, CAST(s.year AS INTEGER), s.name, s.unit, s.target, nullif(s.actual, ''), s.direction
FROM stage_ind s JOIN program p ON p.code = s.program;

DROP TABLE stage_prog; DROP TABLE stage_ent; DROP TABLE stage_alloc; DROP TABLE stage_disb;
DROP TABLE stage_rec; DROP TABLE stage_eval; DROP TABLE stage_ind;
COMMIT;

PRAGMA threads = 2;
.read schema.sql
DELETE FROM program_month;
INSERT INTO program_month (program_id, month, paid_fen, committed_fen, paid_count, row_count, last_paid)
SELECT program_id, substr(date, 1, 7),
       SUM(CASE WHEN status = 'paid' THEN amount_fen ELSE 0 END),
       SUM(CASE WHEN status IN ('pending', 'approved') THEN amount_fen ELSE 0 END),
       SUM(status = 'paid'), COUNT(*),
       MAX(CASE WHEN status = 'paid' AND amount_fen > 0 THEN date END)
FROM disbursement GROUP BY program_id, substr(date, 1, 7);
PRAGMA foreign_keys = ON;
PRAGMA foreign_key_check;
PRAGMA wal_checkpoint(TRUNCATE);
VACUUM;
