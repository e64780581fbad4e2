#!/bin/bash
# docs/cli/<command>.md is the source of --help and the man page: fail when a
# command has no page, a page has no command, an option is undocumented, or
# --help differs from its page.
set -u
fail=0
err() { echo "FAIL: $*"; fail=1; }

docs="$SRC_DIR/docs/cli"
opts=$("$ENCLAVE" --dump-options) || { echo "FAIL: --dump-options"; exit 1; }
cmds=$(sed -n 's/^\([a-z]*\) .*/\1/p' <<<"$opts" | sort -u)
# Commands without options print no line: take them from the overview's list too.
cmds=$(printf '%s\n%s\n' "$cmds" "$(sed -n 's/^- `\([a-z]*\).*/\1/p' "$docs/enclave.md")" | sort -u)

for c in $cmds; do
	[ -f "$docs/$c.md" ] || { err "command '$c' has no docs/cli/$c.md"; continue; }
	"$ENCLAVE" "$c" --help >/dev/null 2>&1 || err "'enclave $c --help' exits non-zero"
	want=$(tr -d '`' <"$docs/$c.md")
	got=$("$ENCLAVE" "$c" --help)
	[ "$want" = "$got" ] || err "'enclave $c --help' differs from docs/cli/$c.md"
done
while read -r c opt; do
	grep -q -- "\`$opt" "$docs/$c.md" || err "option '$opt' of '$c' is not in docs/cli/$c.md"
done <<<"$opts"
for page in "$docs"/*.md; do
	name=$(basename "$page" .md)
	[ "$name" = enclave ] && continue
	grep -qx "$name" <<<"$cmds" || err "docs/cli/$name.md documents no command"
	# Every option a page lists under Options must exist.
	for o in $(sed -n '/^## Options/,/^## /s/^- `\(--[a-z0-9-]*\).*/\1/p' "$page"); do
		grep -qx "$name $o" <<<"$opts" || err "docs/cli/$name.md lists '$o', which '$name' does not take"
	done
done
"$ENCLAVE" --help | grep -q "enclave - turn" || err "'enclave --help' is not docs/cli/enclave.md"
man="$(dirname "$ENCLAVE")/enclave.1"
[ -s "$man" ] || err "no generated man page at $man"
for c in $cmds; do
	grep -qi "^\.SH \"ENCLAVE $c" "$man" || err "man page has no section for '$c'"
done
[ $fail -eq 0 ] && echo "docs: $(wc -w <<<"$cmds") commands, $(wc -l <<<"$opts") options checked"
exit $fail
