#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the leaf results of KTAP files: a result with nested results is a
parent, not counted itself. Prints each failure, then 'N passed, N failed'.
Exit status 1 if anything failed."""
import re
import sys

RESULT = re.compile(r'^(\s*)(not )?ok \d+\s*(.*)$')


def leaves(lines):
    has_child = {}
    for line in lines:
        m = RESULT.match(line.rstrip('\n'))
        if not m:
            continue
        depth = len(m.group(1).expandtabs(4))
        leaf = not has_child.get(depth, False)
        for k in list(has_child):
            if k >= depth:
                del has_child[k]
        for k in range(0, depth):
            has_child[k] = True
        if leaf:
            desc = m.group(3)
            skip = bool(re.search(r'#\s*SKIP', desc, re.I))
            yield (m.group(2) is None, skip, desc)


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        with open(path, errors='replace') as f:
            for ok, skip, desc in leaves(f):
                if skip and ok:
                    skipped += 1
                elif ok:
                    passed += 1
                else:
                    failed += 1
                    print(f"FAILED: {desc}  ({path})")
    if skipped:
        print(f"{skipped} skipped")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
