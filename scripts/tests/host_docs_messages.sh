#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every message the driver can print (dev_*!/pr_*! in drivers/crypto/virtio/
# and rust/, and the reasons of "invalid device configuration") has its entry
# in Documentation/admin-guide.rst, "Troubleshooting": each fixed piece of its
# format string (the text between {} placeholders) appears there. A new
# message without its explanation fails here.
top=$(cd "$(dirname "$0")/../.." && pwd)
echo "KTAP version 1"; echo "1..1"
python3 - "$top" <<'PY'
import re, sys, pathlib
top = pathlib.Path(sys.argv[1])
doc = re.sub(r'\s+', ' ', (top / 'Documentation/admin-guide.rst').read_text())
msgs = []
files = sorted((top / 'drivers/crypto/virtio').glob('*.rs')) + sorted((top / 'rust').rglob('*.rs'))
macro = re.compile(r'\b(?:dev|pr)_(?:emerg|alert|crit|err|warn|notice|info)(?:_once|_ratelimited)?!\s*\(')
lit = re.compile(r'"((?:[^"\\]|\\.)*)"')
for f in files:
    text = f.read_text()
    for m in macro.finditer(text):
        # The format string: the first literal of the call.
        s = lit.search(text, m.end())
        if s and ';' not in text[m.end():s.start()]:
            msgs.append((f"{f.relative_to(top)}:{text[:m.start()].count(chr(10)) + 1}", s.group(1)))
    # The reasons of "invalid device configuration: {e}".
    d = re.search(r'impl fmt::Display for ConfigError \{(.*?)\n\}', text, re.S)
    if d:
        for s in lit.finditer(d.group(1)):
            msgs.append((f"{f.relative_to(top)} (ConfigError)", s.group(1)))
missing = []
for where, fmt in msgs:
    fmt = fmt.replace('\\n', '')
    for piece in re.split(r'\{[^}]*\}', fmt):
        piece = re.sub(r'\s+', ' ', piece)
        if len(piece.strip()) >= 3 and piece not in doc:
            missing.append(f"{where}: {fmt!r}: {piece!r} not in the admin guide")
for m in missing:
    print("# " + m)
print(f"# {len(msgs)} messages")
ok = msgs and not missing
print(("ok" if ok else "not ok") + " 1 every message of the driver is explained in Documentation/admin-guide.rst")
sys.exit(0 if ok else 1)
PY
