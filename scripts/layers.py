#!/usr/bin/env python3
"""The include rule, enforced: which folder's code may use which.

usage: scripts/layers.py OBJDIR OBJ...   (the objects of the binary, under OBJDIR)
Leaves nothing; prints one PASS/FAIL line per check and exits 1 on a
violation.  Two checks, because a declaration typed by hand calls across
a layer without any #include:
  includes  every #include "DIR/..." in DIR0/*.[ch] names a DIR that
            LAYERS allows DIR0 to use;
  calls     every symbol an object of DIR0 takes from another of our
            objects (nm) is defined in a folder LAYERS allows.
A folder that holds code and is not in LAYERS fails too: a new folder
takes its place in the table (and in docs/ARCHITECTURE.md) first.
"""
import os, re, subprocess, sys

# Lower layers first; a folder may use itself and what it lists.  Roles
# (init ... tools) never use each other, except the tools, which run the
# roles' own checks ("bulkhead check" reads the config as each role will).
LAYERS = {
    "lib": [],
    "sys": ["lib"],
    "input": ["lib"],
    "display": ["lib"],
    "config": ["lib", "input"],
    "proto": ["lib", "config"],
    "gui": ["lib", "proto", "display"],
    "supervisor": ["lib", "config", "proto"],
    "init": ["lib", "sys", "config", "proto", "supervisor"],
    "unlock": ["lib", "sys", "config", "proto", "input", "display"],
    "domains": ["lib", "sys", "config", "proto"],
    "drm-compositor": ["lib", "config", "proto", "input", "display", "gui"],
    "guest": ["lib", "sys", "config", "proto", "input", "display", "gui"],
    "tools": ["lib", "sys", "config", "proto", "input", "supervisor", "init", "unlock", "domains"],
    # bulkhead.c: the table of roles, which names every role's entry point.
    ".": None,
}
NOT_CODE = {"tests", "fuzz", "bench", "build", "docs", "scripts", "initramfs"}

def allowed(user, used):
    return user == used or LAYERS[user] is None or used in LAYERS[user]

def folder_of(path):
    d = os.path.dirname(path)
    return d.split("/")[0] if d else "."

def sources():
    out = subprocess.check_output(["git", "ls-files", "*.c", "*.h"], text=True).split()
    return [f for f in out if f.split("/")[0] not in NOT_CODE and os.path.exists(f)]

def check_folders(files):
    bad = sorted({folder_of(f) for f in files} - set(LAYERS))
    for d in bad:
        print(f"layers: {d}/ holds code but has no place in LAYERS (scripts/layers.py)")
    return not bad

def check_includes(files):
    ok = True
    inc = re.compile(r'^\s*#\s*include\s+"([^"/]+)/[^"]+"', re.M)
    for f in files:
        user = folder_of(f)
        text = open(f, encoding="utf-8", errors="replace").read()
        for m in inc.finditer(text):
            used = m.group(1)
            if used in LAYERS and not allowed(user, used):
                line = text.count("\n", 0, m.start()) + 1
                print(f"{f}:{line}: {user}/ may not include {m.group(0).split()[-1]}: "
                      f"{user}/ may use {', '.join(LAYERS[user]) or 'nothing but itself'}")
                ok = False
    return ok

def nm(obj, *flags):
    out = subprocess.check_output(["nm", "--format=posix", *flags, obj], text=True)
    return [l.split()[:2] for l in out.splitlines() if l.strip()]

def check_calls(objdir, objs):
    if not objs:
        print(f"layers: no objects under {objdir}: build first")
        return False
    folder = lambda o: folder_of(os.path.relpath(o, objdir))
    definer = {}
    for o in objs:
        for name, kind in nm(o, "--defined-only", "--extern-only"):
            definer[name] = folder(o)
    ok = True
    for o in sorted(objs):
        user = folder(o)
        if user not in LAYERS:
            continue
        for name, _ in nm(o, "--undefined-only"):
            used = definer.get(name)
            if used and used in LAYERS and not allowed(user, used):
                print(f"{os.path.relpath(o, objdir)}: {user}/ uses {name} of {used}/: "
                      f"{user}/ may use {', '.join(LAYERS[user]) or 'nothing but itself'}")
                ok = False
    return ok

def main():
    objdir, objs = sys.argv[1], sys.argv[2:]
    files = sources()
    results = [("folders", check_folders(files)), ("includes", check_includes(files)),
               ("calls", check_calls(objdir, objs))]
    for name, ok in results:
        print(f"{'PASS' if ok else 'FAIL'}: layers {name}")
    return 0 if all(ok for _, ok in results) else 1

sys.exit(main())
