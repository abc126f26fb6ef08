#!/usr/bin/env python3
"""The CLI reference, made from the kiban binary itself so that it never lags behind it.

  cli-docs.py --binary BIN --markdown docs/cli.md           write the Markdown reference
  cli-docs.py --binary BIN --markdown docs/cli.md --check   exit 1 when the file is stale
  cli-docs.py --binary BIN --man kiban.1 --version 0.1.0    write the man page (roff)

The command tree comes from `kiban --experimental-dump-help` (swift-argument-parser's
description of every command, argument and option); the Markdown shows each command's own
`--help` text.
"""
import argparse
import json
import subprocess
import sys

GENERATED = ("<!-- Generated from the kiban binary by scripts/cli-docs.py (`make cli-docs`); "
             "do not edit. -->")


def run(binary, args):
    result = subprocess.run([binary, *args], capture_output=True, text=True, check=False,
                            env={"PATH": "/usr/bin:/bin", "COLUMNS": "100", "LANG": "C.UTF-8"})
    if result.returncode != 0:
        sys.exit(f"cli-docs: `{binary} {' '.join(args)}` failed ({result.returncode}): {result.stderr}")
    return result.stdout


def commands(node, path=()):
    """Every command of the tree, depth first, with its path of names below `kiban`."""
    # `kiban help` is argument-parser's own command; every command's --help says the same.
    if not node.get("shouldDisplay", True) or (path and path[-1] == "help"):
        return
    yield path, node
    for sub in node.get("subcommands") or []:
        yield from commands(sub, path + (sub["commandName"],))


def markdown(binary, tree):
    lines = [GENERATED, "", "# `kiban` command reference", "",
             "Every command prints the same text with `--help`; `man kiban` has it too. Commands that",
             "talk to a daemon take `--socket PATH` (or `KIBAN_SOCKET`) and `-o`.", ""]
    toc = []
    body = []
    for path, node in commands(tree):
        name = " ".join(("kiban",) + path)
        anchor = name.replace(" ", "-")
        toc.append(f"{'  ' * max(len(path) - 1, 0)}- [`{name}`](#{anchor}): {node.get('abstract', '')}")
        body += [f"## {name}", "", "```text", run(binary, [*path, "--help"]).rstrip("\n"), "```", ""]
    return "\n".join(lines + toc[1:] + [""] + body)


def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line.startswith((".", "'")) else line for line in text.split("\n"))


def option_label(arg):
    names = []
    for n in arg.get("names") or []:
        dash = "-" if n["kind"] in ("short", "longWithSingleDash") else "--"
        names.append(f"\\fB{roff(dash + n['name'])}\\fR")
    label = ", ".join(names)
    if arg["kind"] == "positional":
        return f"\\fI{roff(arg.get('valueName', 'value'))}\\fR"
    if arg["kind"] == "option":
        label += f" \\fI{roff(arg.get('valueName', 'value'))}\\fR"
    return label


def man(tree, version):
    out = [f'.TH KIBAN 1 "" "kiban {version}" "Kiban Manual"',
           ".SH NAME", f"kiban \\- {roff(tree.get('abstract', ''))}",
           ".SH SYNOPSIS", ".B kiban", ".I command", ".RI [ options ]",
           ".SH DESCRIPTION",
           "The \\fBkiban\\fR command is both the daemon of a Kiban boot server "
           "(\\fBkiban server\\fR, run by \\fBkiban.service\\fR) and its command\\-line client, "
           "which talks to the local daemon over its admin socket.",
           ".SH COMMANDS"]
    for path, node in commands(tree):
        if not path:
            continue
        out += [f".SS {roff(' '.join(('kiban',) + path))}", roff(node.get("abstract", ""))]
        if node.get("discussion"):
            out += [".PP", roff(node["discussion"])]
        for arg in node.get("arguments") or []:
            if not arg.get("shouldDisplay", True) or arg.get("preferredName", {}).get("name") in ("help", "version"):
                continue
            help_text = arg.get("abstract", "")
            if arg.get("defaultValue"):
                help_text += f" (default: {arg['defaultValue']})"
            out += [".TP", option_label(arg), roff(help_text)]
    out += [".SH FILES",
            ".TP", "\\fI/etc/kiban/kiban.yaml\\fR",
            "This server's local settings; every setting is listed there, commented out, with its default.",
            ".TP", "\\fI/var/lib/kiban\\fR",
            "The data directory: the Raft log, the store, this member's identity and certificates.",
            ".TP", "\\fI/run/kiban/kiban.sock\\fR",
            "The admin socket (mode 0660, group \\fBkiban\\fR): root and members of the group may use it.",
            ".SH ENVIRONMENT",
            ".TP", "\\fBKIBAN_SOCKET\\fR",
            "The admin socket the client commands use when \\fB\\-\\-socket\\fR is not given.",
            ".SH SEE ALSO",
            "\\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1); /usr/share/doc/kiban/operator\\-guide.md"]
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the kiban executable")
    parser.add_argument("--markdown", help="the Markdown reference to write (or check)")
    parser.add_argument("--man", help="the man page to write")
    parser.add_argument("--version", default="", help="the version the man page names")
    parser.add_argument("--check", action="store_true", help="only check that --markdown is current")
    args = parser.parse_args()
    tree = json.loads(run(args.binary, ["--experimental-dump-help"]))["command"]
    if args.markdown:
        text = markdown(args.binary, tree)
        if args.check:
            try:
                with open(args.markdown, encoding="utf-8") as f:
                    current = f.read()
            except FileNotFoundError:
                current = ""
            if current != text:
                sys.exit(f"{args.markdown} does not match the kiban binary's --help: run `make cli-docs` and commit it")
        else:
            with open(args.markdown, "w", encoding="utf-8") as f:
                f.write(text)
    if args.man:
        with open(args.man, "w", encoding="utf-8") as f:
            f.write(man(tree, args.version))


if __name__ == "__main__":
    main()
