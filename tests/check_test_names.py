#!/usr/bin/env python3
"""Fails when a doctest test name contains ';'.

ctest's doctest discovery reads the list of test names into a CMake list, and CMake lists are
';'-separated: a name with ';' becomes several ctest entries, each running a filter that
matches no test (they pass, having run nothing). This scans every tests/**/*.cpp for the name
of TEST_CASE, TEST_CASE_FIXTURE, TEST_CASE_TEMPLATE, SCENARIO, SUBCASE, ... (adjacent string
literals joined, escapes decoded) and prints FILE:LINE: name for each offender.

    check_test_names.py [ROOT]     scan ROOT/tests (default: this file's repository)
    check_test_names.py --self-test  check the checker on names that must and must not fail

Exit 0: no offender; 1: offenders (listed); 2: usage or a self-test failure.
"""
import os
import re
import sys

# The macros whose (first string) argument is a test or subcase name. For the _FIXTURE forms
# the name is the second argument: the scanner takes the first string literal either way.
MACROS = ("TEST_CASE", "TEST_CASE_FIXTURE", "TEST_CASE_TEMPLATE", "TEST_CASE_TEMPLATE_DEFINE",
          "TEST_CASE_CLASS", "SCENARIO", "SCENARIO_CLASS", "SCENARIO_TEMPLATE",
          "SCENARIO_TEMPLATE_DEFINE", "SUBCASE", "GIVEN", "WHEN", "THEN", "AND_WHEN", "AND_THEN")
CALL = re.compile(r"\b(?:DOCTEST_)?(" + "|".join(MACROS) + r")\s*\(")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0",
           "a": "\a", "b": "\b", "f": "\f", "v": "\v", "?": "?"}


def string_literal(text, i):
    """The decoded literal starting at text[i] == '"' (or R"delim( ... )delim") and the index
    after it."""
    if text.startswith('R"', i):
        end_delim = text.index("(", i + 2)
        delim = text[i + 2:end_delim]
        close = text.index(")" + delim + '"', end_delim)
        return text[end_delim + 1:close], close + len(delim) + 2
    out = []
    j = i + 1
    while text[j] != '"':
        if text[j] == "\\":
            out.append(ESCAPES.get(text[j + 1], text[j + 1]))
            j += 2
        else:
            out.append(text[j])
            j += 1
    return "".join(out), j + 1


def skip_space(text, j):
    while j < len(text):
        if text[j].isspace():
            j += 1
        elif text.startswith("//", j):
            j = text.find("\n", j)
            j = len(text) if j < 0 else j
        elif text.startswith("/*", j):
            j = text.find("*/", j) + 2
        else:
            break
    return j


def test_names(text):
    """(line, macro, name) for each test/subcase macro call with a string-literal name."""
    for m in CALL.finditer(text):
        j = m.end()
        # Up to the first string literal, in this call's first two arguments (a fixture or
        # template parameter may come first); no literal there: not a named test.
        depth = 0
        commas = 0
        while j < len(text):
            c = text[j]
            if c == '"' or text.startswith('R"', j):
                break
            if c in "([{<":
                depth += 1
            elif c in ")]}>":
                if depth == 0:
                    break
                depth -= 1
            elif c == "," and depth == 0:
                commas += 1
                if commas > 1:
                    break
            j += 1
        if j >= len(text) or not (text[j] == '"' or text.startswith('R"', j)):
            continue
        parts = []
        while j < len(text) and (text[j] == '"' or text.startswith('R"', j)):
            s, j = string_literal(text, j)
            parts.append(s)
            j = skip_space(text, j)
        line = text.count("\n", 0, m.start()) + 1
        yield line, m.group(1), "".join(parts)


def offenders(files):
    found = []
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for line, macro, name in test_names(text):
            if ";" in name:
                found.append(f"{path}:{line}: {macro} name contains ';' (ctest discovery splits "
                             f"it into entries that run nothing): {name!r}")
    return found


def cpp_files(root):
    for folder, dirs, names in os.walk(os.path.join(root, "tests")):
        dirs[:] = sorted(d for d in dirs if d != "fuzz-corpus")
        for n in sorted(names):
            if n.endswith(".cpp"):
                yield os.path.join(folder, n)


def self_test():
    bad = {
        'TEST_CASE("a; b") {}': "a; b",
        'TEST_CASE("a" "; b") {}': "a; b",
        'TEST_CASE(\n    "long name, first line "\n    "then; the second") {}': None,
        'SUBCASE("x;y") {}': "x;y",
        'TEST_CASE_FIXTURE(my_fixture, "uses; a fixture") {}': "uses; a fixture",
        'TEST_CASE("say \\"hi\\"; ok") {}': 'say "hi"; ok',
        'DOCTEST_TEST_CASE("prefixed; form") {}': "prefixed; form",
        'TEST_CASE(R"(raw; string)") {}': "raw; string",
        'TEST_CASE_TEMPLATE("templated;", T, int, long) {}': "templated;",
    }
    good = [
        'TEST_CASE("fine - no semicolon") { int x; (void)x; }',
        'TEST_CASE("escaped quote \\" and a comma, fine") {}',
        'SUBCASE("fine") { f(); g(); }',
        '// a comment; TEST_CASE is mentioned here without a call',
        'TEST_CASE("fine" * doctest::description("a; b is not the name")) {}',
    ]
    failures = []
    for src, expected in bad.items():
        names = [n for _, _, n in test_names(src)]
        if not any(";" in n for n in names) or (expected and expected not in names):
            failures.append(f"not caught: {src!r} -> {names!r}")
    for src in good:
        names = [n for _, _, n in test_names(src)]
        if any(";" in n for n in names):
            failures.append(f"false alarm: {src!r} -> {names!r}")
    for f in failures:
        print("self-test:", f)
    print(f"self-test: {len(bad)} bad names caught, {len(good)} good ones passed"
          if not failures else f"self-test: {len(failures)} failures")
    return not failures


def main(argv):
    if argv[1:] == ["--self-test"]:
        return 0 if self_test() else 2
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        print(__doc__)
        return 2
    root = argv[1] if len(argv) == 2 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = list(cpp_files(root))
    names = sum(1 for p in files for _ in test_names(open(p, encoding="utf-8",
                                                            errors="replace").read()))
    found = offenders(files)
    for f in found:
        print(f)
    print(f"{len(files)} files, {names} test and subcase names, {len(found)} with ';'")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
