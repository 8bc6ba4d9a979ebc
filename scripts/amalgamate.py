#!/usr/bin/env python3
"""Writes the single-header e2ee: single_include/e2ee/e2ee.hpp.

The headers under include/e2ee are concatenated in the order the preprocessor
would read them from include/e2ee/e2ee.hpp: each of our own headers appears
once, after the headers it includes. Our `#include "..."` lines and
`#pragma once` are dropped; standard and system `#include <...>` lines that
are not inside an #if are collected once at the top; conditional ones (the
<immintrin.h> of a kernel, <windows.h>, ...) stay where they are, unless the
same line is already at the top. Every
header keeps its own comment block, under a `// ==== file: e2ee/<path> ====` line.

A quoted include placed after a header's code (aes_gcm.hpp ends with
`#include "aes_gcm_stream.hpp"`) is emitted after that header, as the
preprocessor would. A header that is included only inside an #if must guard
its whole body with an #if itself (the detail/x86 kernels do), so that
emitting it unconditionally changes nothing; the script checks this.

Usage:
  scripts/amalgamate.py                 rewrite single_include/e2ee/e2ee.hpp
  scripts/amalgamate.py --output FILE   write FILE instead
  scripts/amalgamate.py --check [--output FILE]
      generate (into FILE when given), compare with the checked-in file and
      exit 1 with a message when they differ.
Deterministic: the output depends only on the headers' contents.
"""

import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = os.path.join(ROOT, "include")
UMBRELLA = "e2ee/e2ee.hpp"
CHECKED_IN = os.path.join(ROOT, "single_include", "e2ee", "e2ee.hpp")

QUOTED = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SYSTEM = re.compile(r"^\s*#\s*include\s*<([^>]+)>")
PRAGMA_ONCE = re.compile(r"^\s*#\s*pragma\s+once\b")
IF_OPEN = re.compile(r"^\s*#\s*if")  # #if, #ifdef, #ifndef
IF_CLOSE = re.compile(r"^\s*#\s*endif\b")
PREPROC = re.compile(r"^\s*#")


class Header:
    """One header: its lines, and for each of our includes where it stands."""

    def __init__(self, name):
        self.name = name  # e.g. "e2ee/hash/sha256.hpp"
        with open(os.path.join(INCLUDE, name), encoding="utf-8") as f:
            self.lines = f.read().split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        # Per line: ("quoted", target, depth), ("system", text, depth), ("once",) or ("line", text).
        self.items = []
        self.deps = []
        depth = 0
        for line in self.lines:
            m = QUOTED.match(line)
            if m:
                target = os.path.normpath(os.path.join(os.path.dirname(name), m.group(1)))
                target = target.replace(os.sep, "/")
                self.items.append(("quoted", target, depth))
                self.deps.append(target)
                continue
            if PRAGMA_ONCE.match(line):
                continue
            m = SYSTEM.match(line)
            if m:
                self.items.append(("system", line.rstrip(), depth))
                continue
            if IF_OPEN.match(line):
                depth += 1
            elif IF_CLOSE.match(line):
                depth -= 1
            self.items.append(("line", line.rstrip(), depth))
        if depth != 0:
            sys.exit(f"amalgamate: unbalanced #if/#endif in include/{name}")

    def guards_whole_body(self):
        """True if every line of code of the header is inside one top-level #if."""
        opened = False
        for item in self.items:
            if item[0] != "line":
                continue
            text, depth = item[1].strip(), item[2]
            if IF_OPEN.match(text) and depth == 1:
                if opened:
                    return False
                opened = True
                continue
            if depth == 0 and text and not text.startswith("//") and not PREPROC.match(text):
                return False
        return opened


def collect():
    headers = {}

    def load(name):
        if name not in headers:
            if not os.path.isfile(os.path.join(INCLUDE, name)):
                sys.exit(f"amalgamate: include/{name} not found")
            headers[name] = Header(name)
            for dep in headers[name].deps:
                load(dep)

    load(UMBRELLA)
    return headers


def inline(headers):
    """Emulates the preprocessor from e2ee.hpp with every header included once.

    Each of our headers is inlined where it is first included. When that
    place is inside an #if, the header, if it does not guard itself, and the
    headers it depends on that do not guard themselves are inlined first,
    just before the outermost #if, so that no header lands inside a condition
    that a later, unconditional include of it would need. A header first
    included inside an #if of a header that is itself included inside an #if
    must guard its whole body (the script stops with a message otherwise).
    Returns (sections, system includes at depth 0).
    """
    done = set()
    sections = []  # (name, [lines])
    top_system = []

    def closure(name, acc):
        for dep in headers[name].deps:
            if dep not in acc:
                acc.append(dep)
                closure(dep, acc)
        return acc

    def visit(name, outer_depth):
        done.add(name)
        h = headers[name]
        if outer_depth > 0 and not h.guards_whole_body():
            sys.exit(f"amalgamate: include/{name} is first included inside an #if but does not "
                     f"guard its whole body with an #if")
        lines = []
        sections.append((name, lines))
        items = h.items
        for i, item in enumerate(items):
            kind = item[0]
            if kind == "line":
                text, depth = item[1], item[2]
                if IF_OPEN.match(text) and depth == 1:
                    # Headers included inside this #if block that do not guard
                    # themselves, and such dependencies of the ones that do,
                    # come first, at depth 0.
                    block = []
                    for later in items[i + 1:]:
                        if later[0] == "line" and later[2] == 0:
                            break
                        if later[0] == "quoted":
                            block.append(later[1])
                    for target in block:
                        for dep in closure(target, []) + [target]:
                            if dep not in done and not headers[dep].guards_whole_body():
                                lines.append(None)  # marks the split of this section
                                visit(dep, outer_depth)
                                lines = []
                                sections.append((name, lines))
                lines.append(text)
            elif kind == "system":
                text, depth = item[1], item[2]
                if depth == 0 and outer_depth == 0:
                    if text.strip() not in top_system:
                        top_system.append(text.strip())
                else:
                    lines.append(text)
            else:  # quoted
                target, depth = item[1], item[2]
                if target in done:
                    continue
                lines.append(None)
                visit(target, outer_depth + depth)
                lines = []
                sections.append((name, lines))

    visit(UMBRELLA, 0)
    return sections, top_system


def version(headers):
    values = {}
    for line in headers["e2ee/core/config.hpp"].lines:
        m = re.match(r"#define E2EE_VERSION_(MAJOR|MINOR|PATCH)\s+(\d+)", line)
        if m:
            values[m.group(1)] = m.group(2)
    if len(values) != 3:
        sys.exit("amalgamate: E2EE_VERSION_MAJOR/MINOR/PATCH not found in include/e2ee/core/config.hpp")
    return f"{values['MAJOR']}.{values['MINOR']}.{values['PATCH']}"


def generate():
    headers = collect()
    sections, system = inline(headers)
    out = [
        f"// e2ee {version(headers)} — single-header edition of include/e2ee (every public header).",
        "//",
        "// GENERATED by scripts/amalgamate.py from the headers under include/e2ee: do",
        "// not edit; change those headers and run the script again. Use it instead",
        "// of include/, never beside it:",
        "//",
        "//   #include <e2ee/e2ee.hpp>   // with single_include/ on the include path",
        "//",
        "// e2ee is header-only C++20 with no dependencies; see README.md and",
        "// docs/getting-started.md in the e2ee repository.",
        "#pragma once",
        "",
        "#define E2EE_SINGLE_HEADER 1",
        "",
    ]
    out += sorted(system, key=lambda s: (s.split("//")[0].strip(), s))
    hoisted = set(system)
    seen = set()
    for name, lines in sections:
        # A conditional #include <...> of a header already included at the top is a no-op.
        body = [line for line in lines if line is not None and line.strip() not in hoisted]
        while body and not body[0].strip():
            body.pop(0)
        while body and not body[-1].strip():
            body.pop()
        if not body:
            continue
        # Collapse the blank runs left where include blocks were removed.
        compact = []
        for line in body:
            if not line.strip() and compact and not compact[-1].strip():
                continue
            compact.append(line)
        label = "continued" if name in seen else "file"
        out += ["", f"// ==== {label}: {name} " + "=" * max(4, 66 - len(name) - len(label) + 4), ""]
        out += compact
        seen.add(name)
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--output", help="file to write (default: the checked-in single header)")
    ap.add_argument("--check", action="store_true",
                    help="fail if the checked-in single header differs from a fresh one")
    args = ap.parse_args()
    text = generate()
    target = args.output or (None if args.check else CHECKED_IN)
    if target:
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        old = None
        if os.path.exists(target):
            with open(target, encoding="utf-8", newline="") as f:
                old = f.read()
        if old != text:
            with open(target, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
    if args.check:
        try:
            with open(CHECKED_IN, encoding="utf-8", newline="") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            rel = os.path.relpath(CHECKED_IN, ROOT)
            print(f"{rel} is out of date with include/e2ee: run scripts/amalgamate.py "
                  f"and commit the result", file=sys.stderr)
            if target:
                print(f"(fresh copy: {target})", file=sys.stderr)
            return 1
        print(f"{os.path.relpath(CHECKED_IN, ROOT)} is up to date ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
