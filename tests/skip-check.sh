# skip_reason_ok REASON: true when REASON starts with a tag listed in
# tests/skip-reasons.txt followed by a colon. Sourced by the test runners.
skip_reason_ok() {
	_tag=${1%%:*}
	[ "$_tag" != "$1" ] || return 1
	grep -v '^#' "$top/tests/skip-reasons.txt" | grep -qx -- "$_tag"
}
