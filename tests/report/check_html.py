#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check_html.py PAGE NDJSON GROUPING SVG_PREFIX: the report page against the saved run.

- strict structure: every tag closed in order (html.parser), no script, no src, no link
  but to the page's own anchors, no url() but to its own gradients, no stylesheet import;
- one heatmap per class of the saved interval lines (per VM or vCPU thread and class with
  GROUPING vm or vcpu, the group read from the section heading before it), each with one
  column per interval line and, in column i, one cell per bucket with exits in line i;
  the sums are made here from the lines' deepest level, not from the page's code;
- every <svg> written to SVG_PREFIX<n>.svg for xmllint.
Exits 1 with the first differences.
"""
import json
import re
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source"}
FORBIDDEN = {"script", "iframe", "img", "link", "object", "embed", "image", "use", "foreignobject"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.heatmaps = [], [], []
        self.heading, self.in_h2, self.col = None, False, None

    def handle_starttag(self, tag, attrs):
        self.check(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)
        self.start(tag, dict(attrs))

    def handle_startendtag(self, tag, attrs):
        self.check(tag, attrs)
        self.start(tag, dict(attrs))
        self.end(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()
        self.end(tag)

    def handle_data(self, data):
        if self.in_h2:
            self.heading += data

    def check(self, tag, attrs):
        if tag in FORBIDDEN:
            self.errors.append(f"<{tag}> on a self-contained page")
        for k, v in attrs:
            if k == "src" or (k == "href" and not (v or "").startswith("#")):
                self.errors.append(f"<{tag} {k}={v}>: fetches something")
            if "url(" in (v or "") and not re.fullmatch(r"url\(#[\w-]+\)", v):
                self.errors.append(f"<{tag} {k}={v}>: an url")

    def start(self, tag, a):
        if tag == "h2":
            self.in_h2, self.heading = True, ""
        elif tag == "g" and a.get("class") == "heatmap":
            self.heatmaps.append({"class": a["data-class"], "span": a["data-span"],
                                  "group": self.heading, "cols": []})
        elif tag == "g" and a.get("class") == "col":
            self.col = self.heatmaps[-1]["cols"]
            self.col.append(0)
        elif tag == "rect" and self.col is not None:
            self.col[-1] += 1

    def end(self, tag):
        if tag == "h2":
            self.in_h2 = False
        elif tag == "g":
            self.col = None


def label(c):
    return c["name"] + ("/user" if c["origin"] == "user" else "")


def expected(ndjson, by):
    """Per (group, class): per interval line, the number of buckets with exits."""
    lines = [json.loads(l) for l in open(ndjson)]
    lines = [o for o in lines if o["type"] == "interval"]
    want = {}
    for i, o in enumerate(lines):
        for vm in o["vms"]:
            for v in vm["vcpus"]:
                group = None if by == "class" else (vm["pid"], v["tid"] if by == "vcpu" else None)
                for c in v["classes"]:
                    key = (group, label(c))
                    cols = want.setdefault(key, [set() for _ in lines])
                    cols[i] |= {b["lo_ns"] for b in c.get("handling", {}).get("buckets", []) if b["count"]}
    return len(lines), {k: [len(s) for s in v] for k, v in want.items()}


def group_of(heading, by):
    if by == "class":
        return None
    m = re.match(r"VM (\d+) \(.*?\)(?: vCPU \S+ thread (\d+) )?", heading or "")
    if not m:
        return ("?", heading)
    return (int(m.group(1)), int(m.group(2)) if by == "vcpu" and m.group(2) else None)


def main(page_path, ndjson, by, svg_prefix):
    text = open(page_path, encoding="utf-8").read()
    page = Page()
    page.feed(text)
    page.close()
    errors = list(page.errors)
    if page.stack:
        errors.append(f"not closed: {page.stack}")
    if "@import" in text:
        errors.append("a stylesheet import")
    for n, svg in enumerate(re.findall(r"<svg\b.*?</svg>", text, re.S)):
        open(f"{svg_prefix}{n}.svg", "w", encoding="utf-8").write(svg)
    nr_lines, want = expected(ndjson, by)
    got = {}
    for h in page.heatmaps:
        key = (group_of(h["group"], by), h["class"])
        if key in got:
            errors.append(f"two heatmaps for {key}")
        got[key] = h["cols"]
        if h["span"] != "handling":
            errors.append(f"{key}: span {h['span']}")
    if set(got) != set(want):
        errors.append(f"heatmaps {sorted(map(str, got))}, the saved lines have {sorted(map(str, want))}")
    for key in set(got) & set(want):
        if len(got[key]) != nr_lines:
            errors.append(f"{key}: {len(got[key])} columns, {nr_lines} interval lines")
        elif got[key] != want[key]:
            errors.append(f"{key}: cells per column {got[key]}, buckets per line {want[key]}")
    if not page.heatmaps:
        errors.append("no heatmap")
    for e in errors[:6]:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
