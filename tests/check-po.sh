#!/bin/sh
# check-po.sh SOURCE_ROOT: every translation in po/LINGUAS is complete for
# the strings the sources have now. The template is extracted afresh (as
# `ninja layerwise-pot` would, into a temporary folder) and merged into
# each .po; then msgfmt must count no fuzzy and no untranslated message.
# The built-in presets' labels are translated in data/presets.ini itself
# (label[LANG]=, read by GKeyFile), so every preset there needs one too.
set -eu

src=$1
for tool in xgettext msgmerge msgfmt; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool not found: skipped (./run.sh installs gettext)"; exit 77; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The keywords of i18n.gettext (preset: 'glib').
xgettext --package-name=layerwise -D "$src" --files-from="$src/po/POTFILES.in" \
  --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=g_dngettext:2:pass-c-format \
  --flag=g_strdup_printf:1:c-format --flag=g_set_error:4:c-format \
  -o "$tmp/layerwise.pot"

status=0
for lang in $(grep -v '^#' "$src/po/LINGUAS"); do
  msgmerge --quiet -o "$tmp/$lang.po" "$src/po/$lang.po" "$tmp/layerwise.pot"
  stats=$(msgfmt --check --statistics -o /dev/null "$tmp/$lang.po" 2>&1) || { echo "$lang: $stats"; status=1; continue; }
  echo "$lang: $stats"
  case $stats in
    *fuzzy*|*untranslated*)
      echo "$lang: incomplete; update it with: ninja -C _build layerwise-update-po, then translate"
      msgattrib --only-fuzzy "$tmp/$lang.po" 2>/dev/null | grep '^msgid "..*"' || true
      msgattrib --untranslated "$tmp/$lang.po" 2>/dev/null | grep '^msgid "..*"' || true
      status=1 ;;
  esac
done

# Each [preset] with a label= needs a non-empty label[LANG]= for every language.
for lang in $(grep -v '^#' "$src/po/LINGUAS"); do
  missing=$(awk -v lang="$lang" '
    function finish() {
      if (group != "" && labelled && !translated) print group
    }
    /^[[:space:]]*\[.*\][[:space:]]*$/ {
      finish()
      group = $0; gsub(/^[[:space:]]+|[[:space:]]+$/, "", group)
      labelled = 0; translated = 0; next
    }
    /^[[:space:]]*label[[:space:]]*=/ { labelled = 1 }
    {
      line = $0; sub(/^[[:space:]]+/, "", line)
      if (index(line, "label[" lang "]") == 1) {
        value = substr(line, length("label[" lang "]") + 1)
        if (value ~ /^[[:space:]]*=[[:space:]]*[^[:space:]]/) translated = 1
      }
    }
    END { finish() }
  ' "$src/data/presets.ini")
  if [ -n "$missing" ]; then
    echo "$lang: data/presets.ini: no label[$lang]= in" $missing
    status=1
  else
    echo "$lang: every preset of data/presets.ini has a label[$lang]"
  fi
done
exit $status
