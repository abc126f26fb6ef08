#!/usr/bin/env python3
"""Turn docs/operator-guide.md into the steps integration/package/test-guide.sh runs, in order.

A fenced ```sh block whose first line is `# on WHERE` is a step run on WHERE:
  `# on boot-1`, `# on boot-2 and boot-3`, `# on every boot server`, `# on the rack-1 router`.
An HTML comment `<!-- test: VERB ARGS -->` is what an operator does by hand at that point
(copy a file, power a machine on, lose a server). Blocks without `# on` are not run here.

Writes one directory per step into OUT: `where` (the target, or `test`) and `script` (the
block's commands, or the directive). Prints how many blocks and directives it found; fails on a
`# on` it does not understand, so a new kind of step cannot be skipped silently.
"""
import os
import re
import sys

WHERE = re.compile(r"^# on (?:the )?(.+?)\s*(?:\(.*\))?$")
DIRECTIVE = re.compile(r"^\s*<!--\s*test:\s*(.+?)\s*-->")
SERVERS = "every boot server"


def targets(text):
    if text == SERVERS:
        return [SERVERS]
    if text == "rack-1 router":
        return ["router"]
    names = [n.strip() for n in re.split(r",|\band\b", text) if n.strip()]
    if not names or not all(re.fullmatch(r"boot-[0-9]+", n) for n in names):
        raise SystemExit(f"guide-steps: '# on {text}' names no known place")
    return names


def steps(lines):
    out, block, fence = [], None, False
    for line in lines:
        if fence:
            if line.strip() == "```":
                fence = False
                if block and block[0].startswith("# on "):
                    m = WHERE.match(block[0])
                    if not m:
                        raise SystemExit(f"guide-steps: cannot read '{block[0]}'")
                    out.append(("block", " ".join(targets(m.group(1))), "\n".join(block[1:]) + "\n"))
                block = None
            else:
                block.append(line)
            continue
        if line.startswith("```"):
            fence, block = True, []
            continue
        for m in DIRECTIVE.finditer(line):
            out.append(("test", "test", m.group(1) + "\n"))
    return out


def main():
    guide, out = sys.argv[1], sys.argv[2]
    with open(guide, encoding="utf-8") as f:
        found = steps(f.read().splitlines())
    for i, (_, where, script) in enumerate(found):
        d = os.path.join(out, f"{i:03d}")
        os.makedirs(d)
        with open(os.path.join(d, "where"), "w") as f:
            f.write(where + "\n")
        with open(os.path.join(d, "script"), "w") as f:
            f.write(script)
    blocks = sum(1 for k, _, _ in found if k == "block")
    print(f"{blocks} blocks and {len(found) - blocks} directives")


if __name__ == "__main__":
    main()
