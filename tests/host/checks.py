"""The host suite's Python checkers' tally: a PASS or FAIL line a check,
then `# N passed, M failed' (tests/host/run.sh's judge_py reads it)."""

passed = failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS: {name}")
    else:
        failed += 1
        print(f"FAIL: {name}: {why}")


def summary():
    """The last line; the exit status (0: none failed)."""
    print(f"# {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1
