#!/usr/bin/env bash
# Keep the translation catalogues in step with the code (see docs/translating.md).
#   bash scripts/i18n.sh update     extract messages and merge them into every catalogue
#   bash scripts/i18n.sh init LANG  start a catalogue for a new language (e.g. ky, tg, uz)
#   bash scripts/i18n.sh compile    compile the catalogues the app reads (messages.mo)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=".venv/bin/pybabel"
[ -x "$PYBABEL" ] || PYBABEL="pybabel"
POT=trainer/translations/messages.pot

extract() {
  "$PYBABEL" extract -F babel.cfg -k _l -k _n:1,2 -k _ln:1,2 -k N_ --sort-by-file --no-wrap \
    --project trainer --omit-header -o "$POT" . > /dev/null
}

# One writer at a time: several people (or scripts) may update the same catalogue.
exec 9> "${TMPDIR:-/tmp}/trainer-po.lock"
command -v flock > /dev/null && flock 9

case "${1:-}" in
  update)  extract && "$PYBABEL" update -i "$POT" -d trainer/translations --no-wrap --ignore-obsolete --no-fuzzy-matching ;;
  init)    extract && "$PYBABEL" init -i "$POT" -d trainer/translations -l "${2:?language code, e.g. ky}" --no-wrap ;;
  compile) "$PYBABEL" compile -d trainer/translations --statistics ;;
  *) echo "usage: $0 update | init LANG | compile" >&2; exit 2 ;;
esac
