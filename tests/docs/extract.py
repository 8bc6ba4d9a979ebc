#!/usr/bin/env python3
"""Extracts every ```cpp block of README.md and docs/*.md into one C++ file.

Run by tests/docs/CMakeLists.txt at configure time. Conventions for writers
of the documentation (docs/testing.md, "Code in the documentation"):

* A ```cpp block with `int main(` is a program: it is compiled and run by
  ctest as doc_<page>_<n> (n counts the ```cpp blocks of the page from 1).
* Any other ```cpp block is a fragment and is compiled:
  - statements (the usual case) become the body of a function;
  - a block whose first line of code starts with namespace, struct, class,
    union, enum or template (an API synopsis), or with a function definition,
    is compiled at namespace scope, inside its own namespace with
    `using namespace ::e2ee;`. For a synopsis this checks the syntax and that
    every type it names exists, not that it matches the library's
    declarations.
  Fragments may use names they do not declare (msg, key, rng, ...): declare
  them in an HTML comment right before the block, which readers do not see:
      <!-- cpp-prelude
      extern std::span<const std::uint8_t> msg;
      -->
  The prelude is placed at namespace scope before the fragment's function
  (`extern` declarations need no definitions: fragments are never run).
  Unused variables and shadowing are not warnings in fragments.
* ```cpp nocompile marks a block that is deliberately not C++ the compiler
  accepts. Keep them rare; each one is listed when CMake configures.
`#include` lines of every block are moved to the top of the file. Each block
keeps its page's line numbers (#line), so a compiler error names the .md file
and line.

Usage: extract.py SOURCE_DIR OUTPUT_CPP
Prints one line per program name (for CMake) and writes OUTPUT_CPP only when
its contents change.
"""

import glob
import os
import re
import sys

FENCE_OPEN = re.compile(r"^(\s*)(`{3,})\s*([^`\s]*)([^`]*)$")
INCLUDE = re.compile(r"^\s*#\s*include\b")
PRELUDE = re.compile(r"<!--\s*cpp-prelude\s*\n(.*?)-->\s*$", re.S)
SCOPE_WORDS = ("namespace", "struct", "class", "union", "enum", "template")
# `type name(` on a line that does not end with `;`: a function definition.
FUNCTION_HEAD = re.compile(r"^[\w:<>, ]+[\s*&]+[\w:]+\(")


def namespace_scope(body):
    line = first_code_line(body)
    if line.split(" ")[0].split("<")[0] in SCOPE_WORDS:
        return True
    code = line.split("//")[0].rstrip()
    return bool(FUNCTION_HEAD.match(code)) and not code.endswith(";")


def c_string(path):
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def blocks(path):
    """Yields (index, first_line, info, lines, prelude, prelude_line) of each ```cpp block."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    index = 0
    i = 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        ticks, lang, rest = m.group(2), m.group(3), m.group(4).strip()
        close = re.compile(r"^\s*`{%d,}\s*$" % len(ticks))
        start = i + 1
        j = start
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if j == len(lines):
            sys.exit(f"{path}:{i + 1}: unterminated ``` block")
        body = lines[start:j]
        if lang in ("cpp", "c++"):
            index += 1
            # A prelude comment ends on the line before the fence (blank lines allowed).
            k = i - 1
            while k >= 0 and not lines[k].strip():
                k -= 1
            prelude, prelude_line = None, 0
            if k >= 0 and lines[k].strip() == "-->":
                text = "\n".join(lines[: k + 1])
                p = text.rfind("<!--")
                m2 = PRELUDE.search(text[p:]) if p >= 0 else None
                if m2:
                    prelude = m2.group(1).rstrip("\n").split("\n")
                    prelude_line = text[:p].count("\n") + 2
            yield index, start + 1, rest, body, prelude, prelude_line
        elif not lang and any("#include <e2ee/" in line for line in body):
            sys.exit(f"{path}:{i + 1}: C++ code in a ``` block without a language: mark it ```cpp")
        i = j + 1


def first_code_line(body):
    in_comment = False
    for line in body:
        s = line.strip()
        if in_comment:
            in_comment = "*/" not in s
            continue
        if not s or s.startswith("//") or INCLUDE.match(s):
            continue
        if s.startswith("/*"):
            in_comment = "*/" not in s
            continue
        return s
    return ""


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, output = sys.argv[1], sys.argv[2]
    pages = [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md")))
    includes = ["#include <e2ee/e2ee.hpp>"]
    programs, fragments, sections, skipped = [], [], [], []
    for page in pages:
        stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(page))[0])
        if stem == "README" and os.path.dirname(os.path.abspath(page)) != os.path.abspath(root):
            stem = "docs_README"
        for index, line, info, body, prelude, prelude_line in blocks(page):
            name = f"doc_{stem}_{index}"
            rel = os.path.relpath(page, root).replace(os.sep, "/")
            if "nocompile" in info.split():
                skipped.append(f"{rel}:{line - 1} ({name})")
                continue
            kept = []
            for text in body:
                if INCLUDE.match(text):
                    inc = text.strip()
                    if inc not in includes:
                        includes.append(inc)
                    kept.append("")
                else:
                    kept.append(text)
            out = [f"namespace {name} {{"]
            if prelude:
                out += [f"#line {prelude_line} {c_string(page)}"] + prelude
            is_program = any("int main(" in text for text in body)
            if is_program:
                programs.append(name)
                out += [f"#line {line} {c_string(page)}"] + kept + ["}  // namespace " + name]
            elif namespace_scope(body):
                fragments.append(name)
                out += ["using namespace ::e2ee;", f"#line {line} {c_string(page)}"] + kept
                out += ["}  // namespace " + name]
            else:
                fragments.append(name)
                out += ["[[maybe_unused]] inline void fragment() {", f"#line {line} {c_string(page)}"] + kept
                out += ["}", "}  // namespace " + name]
            sections.append((is_program, out))

    text = [
        "// Generated by tests/docs/extract.py from README.md and docs/*.md: do not edit.",
        "// Programs (int main) run as doc_<page>_<n>; fragments are only compiled.",
    ]
    text += includes
    text += [
        "",
        "#include <cstdio>",
        "#include <cstring>",
        "",
        "namespace e2ee_docs {",
        "inline int run(int (*f)(), int, char**) { return f(); }",
        "inline int run(int (*f)(int, char**), int argc, char** argv) { return f(argc, argv); }",
        "}  // namespace e2ee_docs",
    ]
    restore = None  # after each block: back to this file's own line numbers
    for is_program, out in sections:
        if not is_program:
            continue
        text += [""] + out + [restore]
    text += [
        "",
        "#if defined(__GNUC__) || defined(__clang__)",
        "#pragma GCC diagnostic push",
        "#pragma GCC diagnostic ignored \"-Wpragmas\"",
        "#pragma GCC diagnostic ignored \"-Wunknown-warning-option\"",
        "#pragma GCC diagnostic ignored \"-Wunused-variable\"",
        "#pragma GCC diagnostic ignored \"-Wunused-but-set-variable\"",
        "#pragma GCC diagnostic ignored \"-Wunused-local-typedefs\"",
        "#pragma GCC diagnostic ignored \"-Wshadow\"",
        "#endif",
    ]
    for is_program, out in sections:
        if is_program:
            continue
        text += [""] + out + [restore]
    text += [
        "#if defined(__GNUC__) || defined(__clang__)",
        "#pragma GCC diagnostic pop",
        "#endif",
        "",
        "int main(int argc, char** argv) {",
        "  struct entry { const char* name; int (*call)(int, char**); };",
        "  static const entry programs[] = {",
    ]
    for name in programs:
        text.append(f"      {{\"{name}\", [](int c, char** v) {{ return e2ee_docs::run(&{name}::main, c, v); }}}},")
    text += [
        "      {nullptr, nullptr}};",
        "  static const char* const fragments[] = {" + "".join(f"\"{n}\", " for n in fragments) + "nullptr};",
        "  if (argc >= 2 && std::strcmp(argv[1], \"--fragments\") == 0) {",
        "    int n = 0;",
        "    for (const char* const* f = fragments; *f != nullptr; ++f, ++n) std::printf(\"compiled: %s\\n\", *f);",
        "    std::printf(\"%d fragment(s) of README.md and docs/ compiled\\n\", n);",
        "    return 0;",
        "  }",
        "  for (const entry* e = programs; argc >= 2 && e->name != nullptr; ++e) {",
        "    if (std::strcmp(argv[1], e->name) == 0) return e->call(argc - 1, argv + 1);",
        "  }",
        "  std::printf(\"usage: %s --fragments | <program>\\nprograms:\\n\", argv[0]);",
        "  for (const entry* e = programs; e->name != nullptr; ++e) std::printf(\"  %s\\n\", e->name);",
        "  return 2;",
        "}",
    ]
    here = c_string(os.path.abspath(output))
    content = "\n".join(line if line is not None else f"#line {n + 1} {here}"
                        for n, line in enumerate(text, 1)) + "\n"
    old = None
    if os.path.exists(output):
        with open(output, encoding="utf-8") as f:
            old = f.read()
    if old != content:
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        with open(output, "w", encoding="utf-8") as f:
            f.write(content)
    for name in programs:
        print(f"program {name}")
    for name in fragments:
        print(f"fragment {name}")
    for where in skipped:
        print(f"nocompile {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
