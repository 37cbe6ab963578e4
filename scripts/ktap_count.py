#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the results of KTAP files honestly and print the run's budget.

Every leaf result (one with no nested results) counts once: passed, failed or
skipped. A parent result adds a failure of its own, with its name, when the
program it stands for failed in a way its leaves do not show:
  - it is "not ok" (a timeout, a non-zero exit) while none of its nested
    results failed;
  - it planned N results ("1..N") and some of the numbers 1..N never came
    (a program killed half-way, a guest that died): one failure per missing
    result.
A skipped parent's missing results are not counted (a program that skips
prints its plan and nothing else).

Diagnostics "# time: <program> <s> s of <timeout> s" (written by the guest's
test runner) are collected; the slowest programs are printed, and any that
used more than half of its timeout is named.

Prints each failure, then "N passed, N failed" as the last line; exit status
1 if anything failed.
"""
import os
import re
import sys

RESULT = re.compile(r'^(\s*)(not )?ok (\d+)\s*(.*)$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*$')
TIME = re.compile(r'^\s*# time: (\S+) (\d+) s of (\d+) s')
SKIP = re.compile(r'#\s*SKIP', re.I)


def depth_of(indent):
    return len(indent.expandtabs(4)) // 4


class Group:
    """The results at one nesting level under one parent (or at the top)."""

    def __init__(self):
        self.plan = None
        self.results = []  # (number, ok, skip, desc, child group or None)


def parse(lines):
    """The top-level group of a KTAP text, and groups left without a parent."""
    top = Group()
    open_groups = {0: top}  # depth -> group being filled
    orphans = []
    for line in lines:
        line = line.rstrip('\n')
        m = PLAN.match(line)
        if m:
            d = depth_of(m.group(1))
            open_groups.setdefault(d, Group()).plan = int(m.group(2))
            continue
        m = RESULT.match(line)
        if not m:
            continue
        d = depth_of(m.group(1))
        child = open_groups.pop(d + 1, None)
        # Deeper groups whose parent result never came: counted on their own.
        for k in sorted(k for k in open_groups if k > d + 1):
            orphans.append(open_groups.pop(k))
        desc = m.group(4)
        open_groups.setdefault(d, Group()).results.append(
            (int(m.group(3)), m.group(2) is None, bool(SKIP.search(desc)), desc, child))
    orphans += [g for d, g in sorted(open_groups.items()) if d > 0]
    return top, orphans


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def fail(self, what, n=1):
        self.failed += n
        self.failures.append(what)

    def group(self, g, name, where, parent_skipped=False):
        """Counts group g; returns how many failures it added."""
        before = self.failed
        for _num, ok, skip, desc, child in g.results:
            inner = self.group(child, desc, where, ok and skip) if child else 0
            if child is None or not child.results:
                # A leaf (or a program that planned results and gave none).
                if ok and skip:
                    self.skipped += 1
                elif ok and not inner:
                    self.passed += 1
                elif not ok and not inner:
                    self.fail(f"{desc}  ({where})")
            elif not ok and not inner:
                self.fail(f"{desc}  ({where}): the program failed though none of its results did")
        if g.plan is not None and not parent_skipped:
            seen = {num for num, *_ in g.results}
            missing = [n for n in range(1, g.plan + 1) if n not in seen]
            if missing:
                self.fail(f"{name}: {len(missing)} of {g.plan} planned results missing "
                          f"(no result {', '.join(map(str, missing[:5]))}"
                          f"{'...' if len(missing) > 5 else ''})  ({where})", len(missing))
        return self.failed - before


def where_of(path):
    """A file's name for humans: the guest folder and file name."""
    return os.path.join(os.path.basename(os.path.dirname(path)), os.path.basename(path))


def main(paths):
    tally = Tally()
    times = []
    for path in paths:
        with open(path, errors='replace') as f:
            lines = f.readlines()
        where = where_of(path)
        for line in lines:
            m = TIME.match(line)
            if m:
                times.append((int(m.group(2)), int(m.group(3)), m.group(1), where))
        if not any(RESULT.match(line) for line in lines):
            # Every file names at least one check: an empty one is a step that
            # stopped before it said anything, not a pass.
            tally.fail(f"{where}: no result at all (the step that writes it stopped early)")
            continue
        top, orphans = parse(lines)
        tally.group(top, where, where)
        for g in orphans:
            tally.group(g, "a program that reported no result", where)
    for what in tally.failures:
        print(f"FAILED: {what}")
    if times:
        times.sort(reverse=True)
        print("slowest programs:")
        for secs, tmo, prog, where in times[:6]:
            flag = "  <- over half of its timeout" if 2 * secs > tmo else ""
            print(f"  {secs:5d} s of {tmo} s  {prog}  ({os.path.dirname(where)}){flag}")
    if tally.skipped:
        print(f"{tally.skipped} skipped")
    print(f"{tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
