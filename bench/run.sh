#!/usr/bin/env bash
# zhida performance harness (issue: "zhida must feel instant on a prefecture's data, on a
# 2-core machine").
#
#   bench/run.sh                 # 1M disbursements, 200 programs, 50,000 enterprises
#   ROWS=100000 bench/run.sh     # smaller set
#   RUNS=5 bench/run.sh          # median of 5 instead of 3
#
# Builds the release binary, generates the data set into bench/out/ (gitignored), then
# for each operation times zhida and its sqlite3 CLI reference in the same run (whole
# process wall time, median of RUNS) and prints a markdown table:
#   operation | zhida | reference | ratio | budget | ok?
# Peak RSS comes from /usr/bin/time (apt-get install -y time). Operations whose command
# is not implemented yet (the stub answers 尚未实现) print "n/a (not implemented)"; they
# become live as soon as the command lands. In-process timings (TUI keystrokes, lookup
# per keystroke, Money/CreditCode parsing, program figures) are in `cargo bench`.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
PROGRAMS=${PROGRAMS:-200}
ENTERPRISES=${ENTERPRISES:-50000}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
MONTH=${MONTH:-2025-12}
OUT=bench/out
DATA=$OUT/data
Z=$PWD/target/release/zhida
export ZHIDA_USER=bench

for tool in sqlite3 /usr/bin/time python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y sqlite3 time python3)" >&2; exit 2; }
done

echo "building release…" >&2
cargo build --release --quiet --bin zhida
mkdir -p "$OUT"

# ---------------------------------------------------------------- helpers

# now in µs
now_us() { echo $(( $(date +%s%N) / 1000 )); }

# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print ""; else print a[int((NR + 1) / 2)]}'; }

# CPU time (user + sys, µs) of the finished children, from the output of `times` in a file
# (`times` itself must run in the measuring shell, not in a $(…) subshell)
cpu_us() {
    tail -n 1 "$1" | awk '{
        t = 0
        for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] }
        printf "%d", t * 1e6 }'
}

# time_us PREP CMD: run PREP (untimed) then CMD (timed, output discarded) RUNS times;
# print "WALL CPU": the medians of wall time and of CPU time (user + sys) in µs. The CPU
# time shows what the work costs when other jobs share the two cores. Fails (status 1)
# if CMD fails.
time_us() {
    local prep=$1 cmd=$2 i t0 t1
    for ((i = 0; i < RUNS; i++)); do
        eval "$prep" >/dev/null 2>&1
        t0=$(now_us)
        times >"$OUT/cpu0"
        eval "$cmd" >/dev/null 2>"$OUT/last.err" || return 1
        times >"$OUT/cpu1"
        t1=$(now_us)
        echo "$((t1 - t0)) $(($(cpu_us "$OUT/cpu1") - $(cpu_us "$OUT/cpu0")))"
    done >"$OUT/times"
    echo "$(cut -d' ' -f1 "$OUT/times" | median) $(cut -d' ' -f2 "$OUT/times" | median)"
}

# peak RSS (KiB) of CMD, after PREP
rss_kib() {
    local prep=$1 cmd=$2
    eval "$prep" >/dev/null 2>&1
    /usr/bin/time -f %M -o "$OUT/rss" bash -c "exec $cmd" >/dev/null 2>&1 || true
    tail -n 1 "$OUT/rss"
}

# is the zhida command implemented? (runs it once; the stubs say 尚未实现)
implemented() {
    local out
    out=$(eval "$1" 2>&1 >/dev/null || true)
    ! grep -q "尚未实现" <<<"$out"
}

fmt_s() { awk -v us="$1" 'BEGIN { if (us >= 1000000) printf "%.2f s", us / 1e6; else printf "%.1f ms", us / 1e3 }'; }

ROWS_OUT=()
# cell "WALL CPU" → "1.23 s (cpu 0.98 s)"
cell() {
    local w c
    read -r w c <<<"$1"
    if [[ -n ${c:-} ]]; then echo "$(fmt_s "$w") (cpu $(fmt_s "$c"))"; else fmt_s "$w"; fi
}
# row OPERATION "ZHIDA_WALL ZHIDA_CPU" "REF_WALL REF_CPU" BUDGET_RATIO; the ratio and the
# verdict are on wall time, as the budgets are
row() {
    local op=$1 z=$2 r=$3 limit=$4
    if [[ $z == n/a* ]]; then
        ROWS_OUT+=("| $op | $z | $(cell "$r") | | ≤ ${limit}× | n/a |")
        return
    fi
    local ratio ok
    ratio=$(awk -v z="${z%% *}" -v r="${r%% *}" 'BEGIN { printf "%.2f", z / r }')
    ok=$(awk -v x="$ratio" -v l="$limit" 'BEGIN { print (x <= l) ? "ok" : "**over**" }')
    ROWS_OUT+=("| $op | $(cell "$z") | $(cell "$r") | ${ratio}× | ≤ ${limit}× | $ok |")
}
# absolute budget: row_abs OPERATION VALUE LIMIT UNIT_TEXT REFERENCE_TEXT
row_abs() {
    local op=$1 v=$2 limit=$3 shown=$4 ref=${5:-—}
    if [[ $v == n/a* ]]; then
        ROWS_OUT+=("| $op | $v | $ref | | ≤ $limit | n/a |")
        return
    fi
    local ok
    ok=$(awk -v x="$v" -v l="$limit" 'BEGIN { split(l, a, " "); print (x + 0 <= a[1] + 0) ? "ok" : "**over**" }')
    ROWS_OUT+=("| $op | $shown | $ref | | ≤ $limit | $ok |")
}

# ---------------------------------------------------------------- data

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

echo "generating $ROWS rows…" >&2
rm -rf "$DATA"
GEN_CMD="$Z gen --rows $ROWS --programs $PROGRAMS --enterprises $ENTERPRISES --seed $SEED --out $DATA"
gen_t=$(time_us "" "$GEN_CMD")
gen_us=${gen_t%% *}
gen_rss=$(rss_kib "" "$GEN_CMD")
gen_per_m=$(awk -v us="$gen_us" -v n="$ROWS" 'BEGIN { printf "%d", us * 1000000 / n }')
row_abs "gen ${ROWS} rows (per 1M rows)" "$(awk -v u="$gen_per_m" 'BEGIN{print u/1e6}')" "0.5 s" "$(fmt_s "$gen_per_m") ($(fmt_s "$gen_us") total, RSS $((gen_rss / 1024)) MB)"
DISB=$DATA/disbursements.csv

# reference for import: sqlite3 CLI .import of the same file into a bare table, no indexes
REF_DB=$OUT/ref.db
REF_PREP="rm -f $REF_DB $REF_DB-wal $REF_DB-shm; sqlite3 $REF_DB 'CREATE TABLE disbursement (voucher_no TEXT, program TEXT, credit_code TEXT, amount TEXT, date TEXT, status TEXT, entered_by TEXT, approved_by TEXT, reverses TEXT, note TEXT)'"
REF_CMD="sqlite3 $REF_DB -cmd '.mode csv' '.import --skip 1 $DISB disbursement'"
echo "sqlite3 .import reference…" >&2
import_ref=$(time_us "$REF_PREP" "$REF_CMD")
import_ref_rss=$(rss_kib "$REF_PREP" "$REF_CMD")

# ---------------------------------------------------------------- import

BASE_DB=$OUT/base.db      # programs + enterprises only: what disbursements.csv needs
DB=$OUT/zhida.db          # the whole data set
IMPORT_PROBE="rm -f $OUT/probe.db*; $Z --db $OUT/probe.db init && $Z --db $OUT/probe.db import $DATA/programs.csv --kind programs"
if implemented "$IMPORT_PROBE"; then
    echo "zhida import…" >&2
    rm -f "$BASE_DB"* "$DB"*
    $Z --db "$BASE_DB" init >/dev/null
    $Z --db "$BASE_DB" user add bench --role supervisor >/dev/null 2>&1 || true
    $Z --db "$BASE_DB" import "$DATA/programs.csv" --kind programs >/dev/null
    $Z --db "$BASE_DB" import "$DATA/enterprises.csv" --kind enterprises >/dev/null
    IMP_PREP="rm -f $OUT/imp.db*; cp $BASE_DB $OUT/imp.db"
    IMP_CMD="$Z --db $OUT/imp.db import $DISB --kind disbursements"
    if import_t=$(time_us "$IMP_PREP" "$IMP_CMD"); then
        row "import disbursements.csv (${ROWS} rows, validated, indexed) vs sqlite3 .import into bare table" "$import_t" "$import_ref" 1.5
        import_rss=$(rss_kib "$IMP_PREP" "$IMP_CMD")
        row_abs "import peak RSS" "$((import_rss / 1024))" "30 MB" "$((import_rss / 1024)) MB" "sqlite3 .import $((import_ref_rss / 1024)) MB"
    else
        row "import disbursements.csv vs sqlite3 .import" "n/a (failed: $(head -c 120 "$OUT/last.err" | tr '\n|' '  '))" "$import_ref" 1.5
    fi
    # the whole data set, as a clerk would load it
    cp "$BASE_DB" "$DB"
    for f in allocations disbursements recoveries evaluations indicators; do
        $Z --db "$DB" import "$DATA/$f.csv" --kind "$f" >/dev/null || echo "bench: import $f failed" >&2
    done
    DB_NOTE="loaded by zhida import"
else
    row "import disbursements.csv (${ROWS} rows) vs sqlite3 .import into bare table" "n/a (not implemented)" "$import_ref" 1.5
    row_abs "import peak RSS" "n/a (not implemented)" "30 MB" "" "sqlite3 .import $((import_ref_rss / 1024)) MB"
    echo "zhida import not implemented: building the database with the sqlite3 fallback loader…" >&2
    rm -f "$DB"*
    $Z --db "$DB" init >/dev/null
    sqlite3 "$DB" <bench/load_sqlite.sql >/dev/null
    $Z --db "$DB" user add bench --role supervisor >/dev/null 2>&1 || true
    DB_NOTE="loaded by bench/load_sqlite.sql (zhida import not implemented)"
fi

# ---------------------------------------------------------------- queries

# reference: a full scan by the sqlite3 CLI on the same database
SCAN_CMD="sqlite3 $DB 'SELECT count(*), sum(amount_fen) FROM disbursement'"
scan_ref=$(time_us "" "$SCAN_CMD")
CHECK_CMD="$Z --db $DB check --month $MONTH --format json"
if implemented "$CHECK_CMD"; then
    if check_t=$(time_us "" "$CHECK_CMD"); then
        row "check --month $MONTH (all rules) vs sqlite3 full scan count+sum" "$check_t" "$scan_ref" 5
    else
        row "check --month $MONTH vs sqlite3 full scan" "n/a (failed: $(head -c 120 "$OUT/last.err" | tr '\n|' '  '))" "$scan_ref" 5
    fi
else
    row "check --month $MONTH (all rules) vs sqlite3 full scan count+sum" "n/a (not implemented)" "$scan_ref" 5
fi

# reference: sqlite3 opens the database and runs one indexed lookup
MID=$(printf 'PZ%09d' $((ROWS / 2)))
LOOKUP_CMD="sqlite3 $DB \"SELECT * FROM disbursement WHERE voucher_no = '$MID'\""
lookup_ref=$(time_us "" "$LOOKUP_CMD")
# a name fragment that exists: the trade name of the first enterprise
# a name fragment a clerk would type: four characters from the middle of one enterprise's name
FRAG=$(python3 -c 'import sys; print(open(sys.argv[1], encoding="utf-8").read().split("\n")[1].split(",")[1][3:7])' "$DATA/enterprises.csv")
for q in "$FRAG" "$MID"; do
    STATUS_CMD="$Z --db $DB status '$q'"
    if implemented "$STATUS_CMD"; then
        if status_t=$(time_us "" "$STATUS_CMD"); then
            row "status '$q' (whole process) vs sqlite3 open + indexed lookup" "$status_t" "$lookup_ref" 3
        else
            row "status '$q' vs sqlite3 open + lookup" "n/a (failed: $(head -c 120 "$OUT/last.err" | tr '\n|' '  '))" "$lookup_ref" 3
        fi
    else
        row "status '$q' (whole process) vs sqlite3 open + indexed lookup" "n/a (not implemented)" "$lookup_ref" 3
    fi
done

# ---------------------------------------------------------------- TUI

# A full frame is one with the overview's own content: the title of its lagging-programs
# table. Not 总览, which the tab bar of the 'loading' shell drawn before any figure
# already shows.
MARKER=${TUI_MARKER:-执行滞后项目}
# the pty harness's own floor: a program that prints the marker and waits
floor=()
for ((i = 0; i < RUNS; i++)); do
    floor+=("$(python3 bench/first_frame.py --marker "$MARKER" -- sh -c "printf $MARKER; sleep 1" | cut -d' ' -f1)")
done
floor_ms=$(printf '%s\n' "${floor[@]}" | median)
tui=()
tui_rss=""
for ((i = 0; i < RUNS; i++)); do
    out=$(python3 bench/first_frame.py --marker "$MARKER" --keys "${TUI_KEYS:-2jjjjG4G3pj\\t}" -- "$Z" --db "$DB")
    if [[ $out == n/a* ]]; then tui=("$out"); break; fi
    tui+=("${out%% *}")
    tui_rss=${out##* }
done
if [[ ${tui[0]} == n/a* ]]; then
    row_abs "TUI start → first full frame (whole process, pty 160×48)" "${tui[0]}" "50 ms" "" "pty harness floor $floor_ms ms"
    row_abs "TUI peak RSS" "${tui[0]}" "30 MB" ""
else
    tui_ms=$(printf '%s\n' "${tui[@]}" | median)
    row_abs "TUI start → first full frame (whole process, pty 160×48)" "$tui_ms" "50 ms" "$tui_ms ms" "pty harness floor $floor_ms ms"
    row_abs "TUI peak RSS" "$((tui_rss / 1024))" "30 MB" "$((tui_rss / 1024)) MB"
fi

# the same, until the month's findings are on screen (the background checks done: the
# overview's count line says 未确认): how long they take and the RSS with them in memory
out=$(python3 bench/first_frame.py --marker "${FINDINGS_MARKER:-未确认}" --timeout 60 -- "$Z" --db "$DB")
if [[ $out == n/a* ]]; then
    ROWS_OUT+=("| TUI start → findings on screen (background checks) | $out | — | | — | |")
    row_abs "TUI peak RSS with the month's findings" "$out" "30 MB" ""
else
    ROWS_OUT+=("| TUI start → findings on screen (background checks) | ${out%% *} ms | — | | — | |")
    row_abs "TUI peak RSS with the month's findings" "$(( ${out##* } / 1024 ))" "30 MB" "$(( ${out##* } / 1024 )) MB"
fi

# every screen visited once the background work is done (3 s after the first frame),
# the keys 0.1 s apart, then 2 s before quitting: the TUI's peak with all it loads
out=$(python3 bench/first_frame.py --marker "$MARKER" --settle 3 --hold 2 --keys "${TUI_ALL_KEYS:-2j\\rG\\x1b3pj\\t4G567G891}" -- "$Z" --db "$DB")
if [[ $out == n/a* ]]; then
    row_abs "TUI peak RSS, every screen visited" "$out" "30 MB" ""
else
    mb=$(awk -v k="${out##* }" 'BEGIN { printf "%.1f", k / 1024 }')
    row_abs "TUI peak RSS, every screen visited" "$mb" "30 MB" "$mb MB"
fi

# ---------------------------------------------------------------- report

db_mb=$(( $(stat -c %s "$DB") / 1024 / 1024 ))
echo
echo "## zhida bench — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, median of $RUNS"
echo
echo "Data: $ROWS disbursements, $PROGRAMS programs, $ENTERPRISES enterprises (seed $SEED); database $db_mb MB, $DB_NOTE."
echo "References in the same run: sqlite3 $(sqlite3 --version | cut -d' ' -f1) .import $(cell "$import_ref") (RSS $((import_ref_rss / 1024)) MB), full scan $(cell "$scan_ref"), open + indexed lookup $(cell "$lookup_ref")."
echo "Load average at start / end: $LOAD0 / $(cut -d' ' -f1-3 /proc/loadavg) — wall times stretch when other jobs share the cores; cpu = user + sys."
echo
echo "| operation | zhida | reference | ratio | budget | ok? |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${ROWS_OUT[@]}"
echo
echo "In-process budgets (TUI key p99 ≤ 5 ms / typical ≤ 1 ms, lookup ≤ 5 ms per keystroke): cargo bench --bench core"
