#!/usr/bin/env python3
"""Writes the API reference (docs/api/) from the public headers' own comments.

Every header under include/e2ee/ except detail/ gets one Markdown page: the
header's opening comment, then each public declaration (outside `detail`
namespaces and outside private or protected class sections) with the comment
written directly above it. Function bodies and member initializers are left
out; classes list their public members; enums and concepts are shown whole.
A public alias of a class template of the same name in `detail`
(`using session_record = detail::session_record<>;`, so that including the
header compiles none of its members) is shown as that class: its comment and
public members.

The pages are generated, never edited by hand: change the comment in the
header and run this script. ctest runs it with --check (the test
`api_reference_current`) and fails when docs/api/ is stale.

Usage: api_reference.py [--check] [REPO_ROOT]
"""

import os
import re
import sys

ACCESS = re.compile(r"^\s*(public|private|protected)\s*:\s*$")
NAMESPACE = re.compile(r"^\s*(inline\s+)?namespace\s+([\w:]*)\s*$")
CLASS_HEAD = re.compile(r"^(template\s*<.*>\s*)?(class|struct|union)\s+(\[\[[^\]]*\]\]\s*)?(\w+)")
ENUM_HEAD = re.compile(r"^enum\b")
# `template <class = void>` before a function that is a template only so that
# including its header compiles nothing: shown as the plain function.
DEFERRED = re.compile(r"^\s*template\s*<\s*class\s*=\s*void\s*>\s*")
ALIAS_OF_DETAIL = re.compile(r"^\s*using\s+(\w+)\s*=\s*detail::(\w+)\b", re.M)


def strip_code(line, state):
    """The code of `line` without comments and literals, and its comment text.

    state["block"] is True inside a /* */ comment across lines."""
    code, comment, i = [], [], 0
    while i < len(line):
        if state["block"]:
            end = line.find("*/", i)
            if end < 0:
                return "".join(code), ""
            state["block"] = False
            i = end + 2
            continue
        c = line[i]
        if line.startswith("//", i):
            comment.append(line[i + 2:])
            break
        if line.startswith("/*", i):
            state["block"] = True
            i += 2
            continue
        if c in "\"'":
            # A literal: skip to its closing quote (escapes honoured). Digit
            # separators (1'000) are not literals.
            if c == "'" and i > 0 and line[i - 1].isalnum() and i + 1 < len(line) and line[i + 1].isalnum():
                code.append(c)
                i += 1
                continue
            j = i + 1
            while j < len(line) and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            code.append(c + c)
            i = j + 1
            continue
        code.append(c)
        i += 1
    return "".join(code), "".join(comment)


def head_of(text):
    """A declaration head, tidied: one line, single spaces, no member
    initializer list."""
    text = " ".join(text.split())
    # Drop a constructor's member initializers: `) noexcept : a_(x), b_(y)`.
    depth, cut = 0, None
    for i, ch in enumerate(text):
        if ch in "(<[":
            depth += 1
        elif ch in ")>]":
            depth -= 1
        elif ch == ":" and depth == 0 and text[i - 1:i + 1] != "::" and text[i:i + 2] != "::":
            before = text[:i].rstrip()
            if before.endswith(")") or before.endswith("noexcept") or before.endswith("const"):
                cut = i
                break
    if cut is not None:
        text = text[:cut].rstrip()
    return text


def variable(text):
    """A variable with a braced initializer: whole when it is short, else its
    name and `{...}`."""
    one = " ".join(text.split())
    if len(one) <= 90:
        return one
    brace = one.find("{")
    return one[:brace] + "{...};"


class Page:
    def __init__(self, rel):
        self.rel = rel
        self.intro = []
        self.items = []  # (level, comment lines, code)


def parse(path, rel):
    page = Page(rel)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")

    state = {"block": False}
    i = 0
    # The header's opening comment (before #pragma once).
    while i < len(lines) and lines[i].startswith("//"):
        page.intro.append(lines[i][2:].removeprefix(" "))
        i += 1

    # scope: (kind, documented, public) where kind is ns, class or skip.
    scopes = [("ns", True, True)]
    depth_of_scope = [0]
    depth = 0
    comment = []
    decl = None  # accumulating declaration: list of code pieces
    decl_comment = []
    skip_until = None  # brace depth at which a skipped body ends
    whole = None  # (level, comment, pieces, depth, kind) for enums, concepts, variables
    names = []  # the enclosing namespaces' names
    text_all = "\n".join(lines)
    aliased = set(m.group(1) for m in ALIAS_OF_DETAIL.finditer(text_all))
    detail_classes = {}  # name -> items of an aliased class in detail
    sinks = [page.items]  # where items go (an aliased detail class's list while inside it)
    sink_depths = []  # depth at which each such class closes

    def documented():
        kind, doc, public = scopes[-1]
        return kind != "skip" and doc and public

    for raw in lines[i:]:
        code, text = strip_code(raw, state)
        stripped = code.strip()

        if whole is not None:
            whole[2].append(raw.rstrip())
            for ch in code:
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
            if depth <= whole[3] and stripped.endswith(";"):
                text = "\n".join(whole[2])
                sinks[-1].append((whole[0], whole[1], variable(text) if whole[4] == "variable" else text))
                whole = None
            continue

        if skip_until is not None:
            for ch in code:
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
            if depth <= skip_until:
                skip_until = None
                if decl is not None and not stripped.endswith(";"):
                    pass
            continue

        if decl is None:
            if not stripped:
                if not text:
                    comment = []
                else:
                    comment.append(text.removeprefix(" "))
                continue
            if stripped.startswith("#") or stripped in ("E2EE_NAMESPACE_BEGIN", "E2EE_NAMESPACE_END"):
                comment = []
                continue
            m = ACCESS.match(stripped)
            if m and scopes[-1][0] == "class":
                kind, doc, _ = scopes[-1]
                scopes[-1] = (kind, doc, m.group(1) == "public")
                comment = []
                continue
            if stripped.startswith("}"):
                # closes the current scope
                for ch in code:
                    if ch == "{":
                        depth += 1
                    elif ch == "}":
                        depth -= 1
                while len(depth_of_scope) > 1 and depth <= depth_of_scope[-1] - 1:
                    kind = scopes.pop()[0]
                    closed_at = depth_of_scope.pop()
                    if sink_depths and sink_depths[-1] == closed_at:
                        sink_depths.pop()
                        sinks.pop()
                    if kind == "ns":
                        names.pop()
                        if all(sc[1] for sc in scopes):
                            sinks[-1].append((-1, [], "::".join(["e2ee"] + [n for n in names if n])))
                comment = []
                continue
            decl = []
            decl_comment = comment
            comment = []

        decl.append(code)
        joined = " ".join(decl)
        # Find where the declaration's head ends: ';' or '{' outside parens.
        par = 0
        end = None
        for k, ch in enumerate(joined):
            if ch in "([":
                par += 1
            elif ch in ")]":
                par -= 1
            elif par == 0 and ch in ";{":
                end = (k, ch)
                break
        if end is None:
            continue
        k, ch = end
        head = joined[:k]
        level = len([s for s in scopes if s[0] == "class"])
        doc = documented()
        first_word = head.strip().split(" ")[0] if head.strip() else ""
        decl = None

        if ch == ";":
            # Declarations that end here: data members, aliases, prototypes.
            # Several may share the line; the first is enough to document.
            alias = ALIAS_OF_DETAIL.match(head.strip())
            if doc and alias and alias.group(1) in detail_classes:
                # The class this public name stands for, under that name.
                name = alias.group(1)
                cls_items = detail_classes[name]
                _, cls_comment, cls_head = cls_items[0]
                # The template's parameters read as their defaults (the
                # alias's arguments), e.g. `Record` as `session_record`.
                params = {p: d.split("::")[-1] for p, d in
                          re.findall(r"\bclass\s+(\w+)\s*=\s*([\w:]+)", cls_head[:cls_head.rfind(" " + name)])}
                def as_used(code):
                    for p, d in params.items():
                        code = re.sub(rf"\b{p}\b", d, code)
                    return code
                comment_lines = list(cls_comment)
                if not any("template" in c for c in comment_lines):
                    comment_lines += ["", f"(`{head_of(head).strip()}`: an alias of a class template, so "
                                      "that only programs that use its members compile them.)"]
                keyword = CLASS_HEAD.match(cls_head).group(2)  # class or struct, as declared
                sinks[-1].append((level, comment_lines, f"{keyword} {name} {{"))
                sinks[-1].extend((level + lvl, com, as_used(code)) for lvl, com, code in cls_items[1:])
            elif doc and first_word not in ("friend", "static_assert") and head.strip():
                sinks[-1].append((level, decl_comment, head_of(head) + ";"))
            # Braces after the ';' on the same line (rare) are counted.
            rest = joined[k + 1:]
            for c2 in rest:
                if c2 == "{":
                    depth += 1
                elif c2 == "}":
                    depth -= 1
            continue

        # ch == '{': a scope or a body opens.
        after = joined[k:]
        opened = after.count("{") - after.count("}")
        h = head.strip()
        ns = NAMESPACE.match(h)
        cls = CLASS_HEAD.match(h)
        if ns:
            name = ns.group(2)
            depth += opened
            public_ns = doc and name != "detail" and not name.startswith("detail")
            scopes.append(("ns", public_ns, True))
            depth_of_scope.append(depth)
            names.append(name)
            if public_ns:
                sinks[-1].append((-1, [], "::".join(["e2ee"] + [n for n in names if n])))
            continue
        if ENUM_HEAD.match(h) or " concept " in f" {h} " or re.search(r"\bconcept\b", h):
            depth_before = depth
            depth += opened
            if depth <= depth_before and joined.rstrip().endswith(";"):
                if doc:
                    sinks[-1].append((level, decl_comment, " ".join(joined.split())))
                continue
            if doc:
                whole = (level, decl_comment, [joined.rstrip()], depth_before, "whole")
            else:
                skip_until = depth_before
            continue
        if cls and "(" not in h.split("{")[0].split(cls.group(4), 1)[1][:1]:
            # class/struct definition (not a function returning `struct x`).
            depth += opened
            if (not doc and scopes[-1][0] == "ns" and names and names[-1] == "detail"
                    and cls.group(4) in aliased and depth > depth_of_scope[-1]):
                # Documented under its public alias (below in the header).
                items = [(0, decl_comment, head_of(h) + " {")]
                detail_classes[cls.group(4)] = items
                sinks.append(items)
                sink_depths.append(depth)
                scopes.append(("class", True, cls.group(2) != "class"))
                depth_of_scope.append(depth)
                continue
            if doc:
                sinks[-1].append((level, decl_comment, head_of(h) + " {"))
            if depth > depth_of_scope[-1]:
                is_class = cls.group(2) == "class"
                scopes.append(("class", doc, not is_class))
                depth_of_scope.append(depth)
            continue
        # A function body, or a variable with a braced initializer.
        depth_before = depth
        depth += opened
        h_fn = DEFERRED.sub("", h)
        if "(" in h_fn and "=" not in h_fn.split("(")[0]:
            if doc and first_word != "friend":
                sinks[-1].append((level, decl_comment, head_of(h_fn) + ";"))
            if depth > depth_before:
                skip_until = depth_before
            continue
        # A variable: shown whole (when short) once its braces close and its
        # ';' is read.
        if depth <= depth_before and joined.rstrip().endswith(";"):
            if doc:
                sinks[-1].append((level, decl_comment, variable(joined)))
            continue
        if doc:
            whole = (level, decl_comment, [joined.rstrip()], depth_before, "variable")
        else:
            skip_until = depth_before
    return page


def prose(lines):
    """Comment text as Markdown: runs of indented lines (code examples in the
    comments) become code blocks."""
    out, code = [], []
    for line in lines + [""]:
        if line.startswith("  ") and line.strip():
            code.append(line[2:])
            continue
        if code:
            out += ["```", *code, "```"]
            code = []
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return out


def wrap(code, indent):
    """One declaration, broken at the top-level commas of its parameter list
    when it is longer than 100 columns."""
    if "\n" in code:
        return [indent + l for l in code.split("\n")]
    if code.startswith("template <"):
        depth = 0
        for k, ch in enumerate(code):
            depth += {"<": 1, ">": -1}.get(ch, 0)
            if depth == 0 and ch == ">":
                if code[k + 1:].strip() and not code[k + 1:].lstrip().startswith(("class", "struct")):
                    return [indent + code[:k + 1]] + wrap(code[k + 1:].strip(), indent)
                break
    if len(code) + len(indent) <= 100:
        return [indent + code]
    open_at = code.find("(")
    if open_at < 0:
        return [indent + code]
    pieces, depth, start = [], 0, open_at + 1
    for k in range(open_at, len(code)):
        ch = code[k]
        if ch in "(<[{":
            depth += 1
        elif ch in ")>]}":
            depth -= 1
            if depth == 0 and ch == ")":
                pieces.append(code[start:k + 1])
                tail = code[k + 1:]
                break
        elif ch == "," and depth == 1:
            pieces.append(code[start:k + 1])
            start = k + 2
    else:
        return [indent + code]
    pieces[-1] += tail
    lines = [indent + code[:open_at + 1]]
    cont = indent + "    "
    line = cont
    for piece in pieces:
        if line != cont and len(line) + len(piece) + 1 > 100:
            lines.append(line.rstrip())
            line = cont
        line += piece + " "
    lines.append(line.rstrip())
    return lines


def render(page):
    out = [f"# `<e2ee/{page.rel}>`", ""]
    out.append("Generated by `scripts/api_reference.py` from the header's comments; "
               "do not edit. [All headers](README.md).")
    out.append("")
    intro = list(page.intro)
    if intro and "—" in intro[0]:
        # The first line repeats the file name: keep what follows the dash.
        intro[0] = intro[0].split("—", 1)[1].strip()
    out += prose(intro)
    items = page.items
    k = 0
    shown_ns, active_ns = "e2ee", "e2ee"
    while k < len(items):
        level, comment, code = items[k]
        if level < 0:
            # Entering or leaving a namespace: a heading before the next
            # declaration when its namespace differs from the last shown.
            active_ns = code
            k += 1
            continue
        if active_ns != shown_ns:
            out += ["", f"## `{active_ns}`"]
            shown_ns = active_ns
        text = prose([c.rstrip() for c in comment])
        out.append("")
        if text:
            out += text
            out.append("")
        out.append("```cpp")
        out += wrap(code, "")
        k += 1
        if code.endswith(" {") and level == 0:
            # A class: its public members, with their comments, as a synopsis.
            open_levels = [0]
            while k < len(items) and items[k][0] > 0:
                lvl, com, member = items[k]
                while open_levels and lvl <= open_levels[-1]:
                    out.append("  " * open_levels.pop() + "};")
                pad = "  " * lvl
                com = [c.rstrip() for c in com]
                while com and not com[-1]:
                    com.pop()
                if com and out[-1] != "```cpp" and not out[-1].endswith("{"):
                    out.append("")
                out += [(pad + "//" + (" " + c if c else "")).rstrip() for c in com]
                out += wrap(member, pad)
                if member.endswith(" {"):
                    open_levels.append(lvl)
                k += 1
            while open_levels:
                out.append("  " * open_levels.pop() + "};")
        out.append("```")
    out.append("")
    return "\n".join(out)


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    check = "--check" in sys.argv[1:]
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    inc = os.path.join(root, "include", "e2ee")
    pages = {}
    index = ["# API reference", "",
             "One page per public header, generated by `scripts/api_reference.py` from the",
             "headers' own comments (do not edit these pages; change the header and rerun",
             "the script). Start with [the user guide](../sessions.md) and",
             "[the chat guide](../chat-guide.md); this is the detail.", "",
             "| header | what |", "|---|---|"]
    for dirpath, dirnames, filenames in os.walk(inc):
        dirnames[:] = sorted(d for d in dirnames if d != "detail")
        for name in sorted(filenames):
            if not name.endswith(".hpp"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), inc).replace(os.sep, "/")
            page = parse(os.path.join(dirpath, name), rel)
            md = rel[:-4].replace("/", "_") + ".md"
            pages[md] = render(page)
            summary = page.intro[0] if page.intro else ""
            if "—" in summary:
                summary = summary.split("—", 1)[1].strip()
            summary = summary.rstrip(",;:")
            index.append(f"| [`<e2ee/{rel}>`]({md}) | {summary} |")
    index.append("")
    pages["README.md"] = "\n".join(index)

    outdir = os.path.join(root, "docs", "api")
    stale = []
    existing = set(os.listdir(outdir)) if os.path.isdir(outdir) else set()
    for md, text in sorted(pages.items()):
        path = os.path.join(outdir, md)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(md)
            if not check:
                os.makedirs(outdir, exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
    extra = sorted(e for e in existing if e.endswith(".md") and e not in pages)
    if check:
        if stale or extra:
            print("docs/api is stale; run scripts/api_reference.py. Differs: " + ", ".join(stale + extra))
            return 1
        print(f"docs/api is current ({len(pages)} pages)")
        return 0
    for e in extra:
        os.remove(os.path.join(outdir, e))
    print(f"wrote {len(stale)} of {len(pages)} pages, removed {len(extra)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
