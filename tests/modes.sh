# Shared by the scripts that run a group of tests in both modes
# (tests/interop/ci.sh, tests/scaleout/ci.sh, tests/embedders/ci.sh):
#
#     . "$ROOT/tests/modes.sh"
#     run_in_modes MARKER DIRECTORY [PYTEST ARGS...]
#
# runs `pytest -m MARKER DIRECTORY` once per mode in $MODES ("compiled",
# "pure") with $PYTHON, writes JUnit reports to $ARTIFACTS/junit-MODE.xml,
# fails (die) on a failure, a skip or an empty run, and records the counts
# with note. The caller defines ROOT, ARTIFACTS, MODES, PYTHON, log, note and
# die. RUN_TIMEOUT (seconds) bounds each run; a hang fails it.

run_in_modes() {
    local marker=$1 directory=$2 mode variable report status counts start
    shift 2
    mkdir -p "$ARTIFACTS"
    # The compiled mode must test compiled kernels: check they load first.
    (cd "$ROOT" && WEBSOCKETS_REQUIRE_SPEEDUPS=1 "$PYTHON" -c 'import websockets._accel') \
        || die "the compiled kernels don't load; build them: $PYTHON setup.py build_ext --inplace"
    for mode in $MODES; do
        case $mode in
            compiled) variable=WEBSOCKETS_REQUIRE_SPEEDUPS ;;
            pure) variable=WEBSOCKETS_NO_SPEEDUPS ;;
            *) die "unknown mode: $mode (modes: compiled pure)" ;;
        esac
        log "pytest -m $marker $directory ($mode)"
        start=$SECONDS
        report=$ARTIFACTS/junit-$mode.xml
        status=0
        (cd "$ROOT" && env "$variable=1" timeout --signal=INT --kill-after=30 "${RUN_TIMEOUT:-900}" \
            "$PYTHON" -m pytest -p no:cacheprovider -m "$marker" "$directory" \
            --junitxml="$report" "$@") || status=$?
        [[ $status -eq 0 ]] || die "$mode: pytest exited with status $status"
        counts=$("$PYTHON" "$ROOT/tests/check_junit.py" "$report" "$mode") \
            || die "$mode: checks on the test report failed"
        note "$mode: $counts in $((SECONDS - start))s"
    done
}
