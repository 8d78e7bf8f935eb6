#!/bin/sh
# Basics: --help, --version, help SUB, unknown command and option.
. "$TP_TESTLIB"
expect_exit 0 "$TP" --help
contains "$out" "probe"
contains "$out" "commands:"
expect_exit 0 "$TP" --version
contains "$out" "tunepool "
expect_exit 2 "$TP"
expect_exit 2 "$TP" prob
contains "$err" "did you mean 'probe'"
expect_exit 2 "$TP" --frobnicate
expect_exit 0 "$TP" help probe
contains "$out" "usage: tunepool probe"
expect_exit 2 "$TP" help nosuch
exit 0
