#!/bin/sh
# Help texts and errors come from the registries: every entry of every kind
# (`tunepool help --list KIND`) is named in its command's --help, a near miss
# of its name gets it suggested, and the man page lists it. A new entry is
# tested here by being listed; nothing here pins names or counts.
. "$TP_TESTLIB"
man="$TP_TOP/docs/tunepool.1"
expect_exit 0 "$TP" help --list
kinds=$(echo "$out" | awk '{print $1}')
for k in commands workloads strategies starts searches objectives controllers exports reports compares; do
	echo "$kinds" | grep -qx "$k" || fail "help --list lacks '$k'"
done
# kind -> the command whose --help lists it, and how a wrong name is given
helpof() {
	case $1 in
	commands) echo "" ;;
	workloads) echo workloads ;;
	strategies|starts) echo bench ;;
	searches|objectives) echo tune ;;
	controllers) echo run ;;
	exports) echo export ;;
	reports) echo report ;;
	compares) echo compare ;;
	esac
}
for k in $kinds; do
	names=$("$TP" help --list "$k") || fail "help --list $k"
	[ -n "$names" ] || fail "kind '$k' has no entries"
	sub=$(helpof "$k")
	if [ -n "$sub" ]; then
		"$TP" "$sub" --help >help.txt 2>&1 || fail "$sub --help"
	else
		"$TP" --help >help.txt 2>&1 || fail "--help"
	fi
	"$TP" help --roff "$k" >roff.txt || fail "help --roff $k"
	for n in $names; do
		grep -q -- "$n" help.txt || fail "'${sub:-tunepool} --help' does not name $k entry '$n'"
		grep -q "^\.B $n\$" roff.txt || fail "help --roff $k lacks '$n'"
		grep -q -- "$(printf '%s' "$n" | sed 's/-/\\\\-/g')" "$man" ||
			fail "the man page does not name $k entry '$n'"
	done
done
# Suggestions come from the same tables: a one-letter typo of each name.
for n in $("$TP" help --list exports); do
	typo="${n}x"
	"$TP" export "$FIXTURES/../golden/export/tunepool.conf" --format "$typo" >/dev/null 2>err.txt &&
		fail "export --format $typo was accepted"
	grep -q "did you mean '$n'" err.txt || fail "no suggestion of '$n' for '$typo': $(cat err.txt)"
done
for n in $("$TP" help --list commands); do
	"$TP" "${n}x" >/dev/null 2>err.txt && fail "command ${n}x accepted"
	grep -q "'$n'" err.txt || fail "no suggestion of '$n' for '${n}x': $(cat err.txt)"
done
expect_exit 2 "$TP" help --list nosuchkind
contains "$err" "unknown list 'nosuchkind'"
expect_exit 2 "$TP" help --roff
# The man page's lists are generated (make man): stale ones fail here.
sh "$TP_TOP/scripts/man-lists.sh" --check "$TP" "$man" 2>stale.txt ||
	fail "the man page's lists are stale: $(cat stale.txt)"
exit 0
