#!/bin/sh
# Build the comparison data sets and compare `zhida check` with the reference on each.
# Optional, not part of CI (needs Python 3). Usage, from the repository root:
#     tests/reference/compare.sh [BIN]        (BIN default target/release/zhida)
# ROWS="20000 50000" to change the generated sizes; KEEP=1 keeps the work directory.
set -eu
BIN=${1:-target/release/zhida}
HERE=$(dirname "$0")
W=$(mktemp -d)
export XDG_CONFIG_HOME="$W/config" ZHIDA_USER=对照
unset ZHIDA_DB || true
load() { "$BIN" --db "$W/$1.db" import "$2" >/dev/null 2>&1 || { echo "import of $2 failed"; exit 2; }; }

load sample sample-data
python3 "$HERE/tricky.py" "$W/tricky" > "$W/tricky.dates"
load tricky "$W/tricky"
# acknowledgements under every accepted spelling of the key, and two that name nothing
for k in "OVER_CAP|CAP|$(python3 -c "import sys; sys.path.insert(0,'$HERE'); import tricky; print(tricky.uscc(2))")|T-00004|2026" \
         "LAGGING|LAG39|||2025" "IDLE|X1|||2025" "NO_EVAL|RD364|||2025" "NO_EVAL|RD365|||2024" \
         "TARGET_MISS|EV24|||2024" "TARGET_MISS|EV25||将来|2026" "SELF_APPROVED|SELF|x|T-00119|2025"; do
    "$BIN" --db "$W/tricky.db" ack "$k" --note 对照 >/dev/null
done
set -- "$W/sample.db" "$W/tricky.db"
seed=1
for rows in ${ROWS:-20000 60000}; do
    "$BIN" gen --rows "$rows" --seed "$seed" --programs 120 --enterprises 4000 --out "$W/gen$rows" >/dev/null
    load "gen$rows" "$W/gen$rows"
    set -- "$@" "$W/gen$rows.db"
    seed=$((seed + 1))
done
status=0
python3 "$HERE/compare.py" --quiet --bin "$BIN" "$@" || status=$?
# the tricky data set again on its interesting dates (month ends, edges of each case)
python3 "$HERE/compare.py" --quiet --bin "$BIN" --dates "$(paste -sd, "$W/tricky.dates")" "$W/tricky.db" || status=$?
[ "${KEEP:-}" = 1 ] && echo "kept $W" || rm -rf "$W"
exit $status
