#!/usr/bin/env python3
"""Checks the rules every header under include/e2ee follows.

1. `#pragma once`.
2. Code is in the versioned inline namespace: a header that declares anything
   opens it with E2EE_NAMESPACE_BEGIN and closes it with E2EE_NAMESPACE_END
   (as many of each), and never writes `namespace e2ee` (or the inline
   `v0`) itself. Only core/config.hpp, which defines the macros, the
   umbrella headers (nothing but includes), and a header that carries the
   comment "check_headers.py: global scope on purpose" (and no namespace:
   detail/x86/intrin.hpp, whose declarations are the compiler's own names)
   are exempt.
3. Every header outside detail/ is reachable from e2ee/e2ee.hpp, so the
   umbrella (and the single header made from it) has all of them.
4. The version macros in core/config.hpp are plain numbers.

Usage: scripts/check_headers.py        (exit 1 and one line per problem)
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = os.path.join(ROOT, "include")
QUOTED = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


# A header that must declare something at global scope (names the compiler's
# own headers use) says so with this comment, next to the declarations.
OUTSIDE_ON_PURPOSE = "check_headers.py: global scope on purpose"


def strip_comments_and_strings(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r'R"(\w*)\((?:.|\n)*?\)\1"', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(?:\\.|[^'\\\n])*'", "''", text)
    return re.sub(r"//[^\n]*", "", text)


def main():
    problems = []
    headers = {}
    for dirpath, _, files in os.walk(os.path.join(INCLUDE, "e2ee")):
        for f in files:
            if f.endswith((".hpp", ".h")):
                path = os.path.join(dirpath, f)
                name = os.path.relpath(path, INCLUDE).replace(os.sep, "/")
                with open(path, encoding="utf-8") as fh:
                    headers[name] = fh.read()
    for name in sorted(headers):
        text = headers[name]
        code = strip_comments_and_strings(text)
        if not re.search(r"^\s*#\s*pragma\s+once\b", code, re.M):
            problems.append(f"include/{name}: no #pragma once")
        if name == "e2ee/core/config.hpp":
            for part in ("MAJOR", "MINOR", "PATCH"):
                if not re.search(rf"^#define E2EE_VERSION_{part} +\d+$", text, re.M):
                    problems.append(f"include/{name}: E2EE_VERSION_{part} is not a plain number")
            continue
        # Preprocessor lines, continuations included, are not declarations.
        joined = re.sub(r"\\\n", " ", code)
        body = "\n".join(line for line in joined.split("\n") if not line.strip().startswith("#"))
        if not body.strip():
            continue  # an umbrella: includes only
        if OUTSIDE_ON_PURPOSE in text and "E2EE_NAMESPACE_BEGIN" not in code:
            continue  # global declarations that the compiler's own headers expect
        begins = len(re.findall(r"\bE2EE_NAMESPACE_BEGIN\b", code))
        ends = len(re.findall(r"\bE2EE_NAMESPACE_END\b", code))
        if begins == 0:
            problems.append(f"include/{name}: declares code without E2EE_NAMESPACE_BEGIN")
        if begins != ends:
            problems.append(f"include/{name}: {begins} E2EE_NAMESPACE_BEGIN but {ends} E2EE_NAMESPACE_END")
        for m in re.finditer(r"\bnamespace\s+(e2ee|v0\w*)\b(?!\s*=)", code):
            line = code[: m.start()].count("\n") + 1
            problems.append(f"include/{name}:{line}: opens namespace {m.group(1)} directly; "
                            f"use E2EE_NAMESPACE_BEGIN / E2EE_NAMESPACE_END")

    reachable, todo = set(), ["e2ee/e2ee.hpp"]
    while todo:
        name = todo.pop()
        if name in reachable or name not in headers:
            continue
        reachable.add(name)
        for inc in QUOTED.findall(headers[name]):
            todo.append(os.path.normpath(os.path.join(os.path.dirname(name), inc)).replace(os.sep, "/"))
    for name in sorted(headers):
        if name not in reachable and "/detail/" not in name:
            problems.append(f"include/{name}: not included by e2ee/e2ee.hpp (directly or not)")

    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    print(f"{len(headers)} headers: #pragma once, E2EE_NAMESPACE_BEGIN/END (e2ee::inline v0), "
          f"all reachable from e2ee/e2ee.hpp")
    return 0


if __name__ == "__main__":
    sys.exit(main())
