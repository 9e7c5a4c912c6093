#!/usr/bin/env python3
"""Man pages and bash completion for bulkhead, from one source each.

usage: scripts/manpages.py BULKHEAD OUTDIR

- bulkhead(8) and bulkhead-ctl(8) from the binary's own usage text (the
  role table in bulkhead.c, the command table in tools/ctl.c);
- one page in section 5 for each configuration file, from the comment
  that opens its header in config/ (the header is the contract: the keys,
  their defaults and what they mean are written there once);
- completion/bulkhead, bash completion of the roles, of ctl's commands,
  and of domain and service names (asked of the running system).
Writes OUTDIR/man5/*.5, OUTDIR/man8/*.8 and OUTDIR/completion/bulkhead.
"""
import datetime
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# page name, header, what the file is
CONFIG_PAGES = [
    ("bulkhead.cfg", "config/sysconfig.h", "the system: hostname, modules, log, services"),
    ("bulkhead-service.cfg", "config/service_config.h", "one supervised service"),
    ("bulkhead-domain.cfg", "config/domain_config.h", "one domain, in xl.cfg syntax"),
    ("bulkhead-desktop.cfg", "config/desktop_config.h", "the desktop's settings and key bindings"),
    ("bulkhead-disks.cfg", "config/disks_config.h", "dom0's encrypted disks and its root"),
    ("bulkhead-storage.cfg", "config/storage_config.h", "where the domains' volumes live"),
    ("bulkhead-policy", "config/rpc_policy.h", "dom0's policy for calls between domains"),
]


def roff(text):
    """TEXT escaped for roff: backslashes, and a leading dot or quote."""
    text = text.replace("\\", "\\e")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def run(bulkhead, *args):
    out = subprocess.run([bulkhead, *args], capture_output=True, text=True, check=True)
    return out.stdout


def header(name, section, what, version):
    date = datetime.date.today().isoformat()
    return [f'.TH {name.upper()} {section} "{date}" "bulkhead {version}" "bulkhead"',
            ".SH NAME", f"{roff(name)} \\- {roff(what)}"]


def see_also(this):
    pages = [("bulkhead", 8), ("bulkhead-ctl", 8)] + [(p, 5) for p, _, _ in CONFIG_PAGES]
    refs = [f"\\fB{roff(n)}\\fR({s})" for n, s in pages if n != this]
    return [".SH SEE ALSO", ",\n".join(refs)]


def bulkhead_page(bulkhead, version):
    lines = header("bulkhead", 8, "dom0's user space for a desktop secured by isolation", version)
    lines += [".SH SYNOPSIS", "\\fBbulkhead\\fR \\fICOMMAND\\fR [\\fIARGS\\fR]",
              ".SH DESCRIPTION",
              "One binary that is dom0's PID 1 and, in its other roles, every dom0 daemon "
              "and the agent inside each domain. Called as \\fB/init\\fR it runs as PID 1. "
              "Each role gives up what it does not need before it reads anything it did "
              "not write.",
              ".SH COMMANDS"]
    for line in run(bulkhead, "help").splitlines():
        m = re.match(r"^  (\S.*?)\s{2,}(\S.*)$", line)
        if not m:
            continue
        lines += [".TP", f"\\fB{roff(m.group(1))}\\fR", roff(m.group(2))]
    lines += [".SH FILES",
              ".TP", "\\fI/etc/bulkhead/\\fR",
              "the configuration directory: \\fBbulkhead.cfg\\fR(5), \\fIservices/\\fR, "
              "\\fIdomains/\\fR, \\fBdesktop.cfg\\fR, \\fBdisks.cfg\\fR, \\fBstorage.cfg\\fR, "
              "\\fIpolicy.d/\\fR; \\fBbulkhead check\\fR validates it",
              ".TP", "\\fI/run/bulkhead/control\\fR, \\fI/run/bulkhead/domains\\fR, "
              "\\fI/run/bulkhead/compositor\\fR",
              "the control sockets of PID 1, the domain manager and the compositor "
              "(\\fBbulkhead-ctl\\fR(8))"]
    return lines + see_also("bulkhead")


def ctl_page(bulkhead, version):
    text = run(bulkhead, "ctl", "help")
    lines = header("bulkhead-ctl", 8, "talk to PID 1, the domain manager and the compositor",
                   version)
    lines += [".SH SYNOPSIS",
              "\\fBbulkhead ctl\\fR [\\fB\\-\\-socket\\fR \\fIPATH\\fR] \\fICOMMAND\\fR "
              "[\\fIARGUMENTS\\fR]",
              ".SH DESCRIPTION",
              "Each command goes to the control socket of the one who answers it; "
              "\\fB\\-\\-socket\\fR names another. The sockets are root's (the compositor's "
              "uid may list the domains and answer dom0's questions)."]
    exit_lines = []
    in_exit = False
    for line in text.splitlines():
        if line.startswith("Exit status:"):
            in_exit = True
        if in_exit:
            exit_lines.append(line)
            continue
        if line.startswith("usage:") or line.startswith("The socket defaults"):
            continue
        if re.match(r"^\S.*:$", line):
            lines += [".SH " + roff(line[:-1]).upper()]
        elif line.startswith("      "):
            lines.append(roff(line.strip()))
        elif line.startswith("  "):
            lines += [".TP", f"\\fB{roff(line.strip())}\\fR"]
    lines += [".SH EXIT STATUS", roff(" ".join(x.strip() for x in exit_lines)
                                       .replace("Exit status: ", ""))]
    lines += [".SH EXAMPLES", ".nf",
              "bulkhead ctl list", "bulkhead ctl start --wait work",
              "echo hello | bulkhead ctl rpc work test.Upper",
              "bulkhead ctl run-disposable \\- firefox", ".fi"]
    return lines + see_also("bulkhead-ctl")


def header_comment(path):
    """The comment that opens PATH, without its frame."""
    with open(os.path.join(TOP, path)) as f:
        src = f.read()
    m = re.search(r"/\*\n(.*?)\*/", src, re.S)
    if not m:
        sys.exit(f"manpages: {path} opens with no comment")
    out = []
    for line in m.group(1).splitlines():
        line = re.sub(r"^ \*( |$)", "", line).replace("\\*", "*")
        out.append(line.rstrip())
    # "name.h - what it is: ..." names the header, not the file: dropped.
    out[0] = re.sub(r"^\S+\.h - ", "", out[0])
    return out


def config_page(name, path, what, version):
    lines = header(name, 5, what, version)
    lines += [".SH DESCRIPTION"]
    verbatim = False
    for line in header_comment(path):
        example = line.startswith("  ") or line.startswith("\t")
        if example and not verbatim:
            lines += [".PP", ".nf"]
            verbatim = True
        elif not example and verbatim and line:
            lines += [".fi"]
            verbatim = False
        if not line and not verbatim:
            lines.append(".PP")
            continue
        lines.append(roff(line))
    if verbatim:
        lines.append(".fi")
    lines += [".SH FILES", f"Described in the source's \\fI{roff(path)}\\fR, from which this page "
              "is made; \\fBbulkhead check\\fR \\fIDIR\\fR reports every problem as "
              "\\fIFILE\\fR:\\fILINE\\fR."]
    return lines + see_also(name)


def completion(bulkhead):
    roles = []
    for line in run(bulkhead, "help").splitlines():
        m = re.match(r"^  (\S+)", line)
        if m and m.group(1) not in roles:
            roles.append(m.group(1))
    ctl = {}
    for line in run(bulkhead, "ctl", "help").splitlines():
        m = re.match(r"^  (\S+)(.*)$", line)
        if m and not line.startswith("   "):
            ctl[m.group(1)] = m.group(2).strip()
    needs_domain = sorted(c for c, a in ctl.items() if re.match(r"(\[.*\] )*NAME\b", a) or
                          a.startswith("TARGET"))
    needs_service = sorted(c for c, a in ctl.items() if a.startswith("SERVICE"))
    return f"""# bash completion for bulkhead(8), made by scripts/manpages.py from its usage.
_bulkhead_names() {{
    bulkhead ctl "$@" 2>/dev/null | awk 'NR > 1 {{ print $1 }}'
}}

_bulkhead() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} i=1
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "{' '.join(roles)}" -- "$cur"))
        return
    fi
    case ${{COMP_WORDS[1]}} in
    ctl)
        [ "${{COMP_WORDS[2]}}" = --socket ] && i=3
        if [ "$COMP_CWORD" -eq $((i + 1)) ]; then
            COMPREPLY=($(compgen -W "--socket {' '.join(ctl)}" -- "$cur"))
            return
        fi
        case ${{COMP_WORDS[i + 1]}} in
        {'|'.join(needs_domain)})
            COMPREPLY=($(compgen -W "$(_bulkhead_names list) @dispvm -f --raw --pass-io --json --wait" -- "$cur")) ;;
        {'|'.join(needs_service)})
            COMPREPLY=($(compgen -W "$(_bulkhead_names services)" -- "$cur")) ;;
        status|services|list)
            COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
        screenshot)
            COMPREPLY=($(compgen -f -- "$cur")) ;;
        esac ;;
    check|init|compositor|domain-manager|unlock)
        COMPREPLY=($(compgen -d -W "--config --list-modules" -- "$cur")) ;;
    hwcheck)
        COMPREPLY=($(compgen -d -W "--sys --proc" -- "$cur")) ;;
    *)
        COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}}
complete -F _bulkhead bulkhead
"""


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: scripts/manpages.py BULKHEAD OUTDIR")
    bulkhead, out = sys.argv[1], sys.argv[2]
    version = run(bulkhead, "version").strip().split()[-1]
    pages = {("bulkhead", 8): bulkhead_page(bulkhead, version),
             ("bulkhead-ctl", 8): ctl_page(bulkhead, version)}
    for name, path, what in CONFIG_PAGES:
        pages[(name, 5)] = config_page(name, path, what, version)
    for (name, section), lines in pages.items():
        d = os.path.join(out, f"man{section}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"{name}.{section}"), "w") as f:
            f.write("\n".join(lines) + "\n")
    os.makedirs(os.path.join(out, "completion"), exist_ok=True)
    with open(os.path.join(out, "completion", "bulkhead"), "w") as f:
        f.write(completion(bulkhead))


main()
