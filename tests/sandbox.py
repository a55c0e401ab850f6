#!/usr/bin/env python3
"""Runs a command under the parts of deploy/friendlite-edge.service's sandbox that can be had
without systemd as PID 1, so CI proves the server works inside them (README, "Running under systemd"):

  MemoryDenyWriteExecute=yes      mmap with PROT_WRITE|PROT_EXEC, mprotect/pkey_mprotect adding
                                  PROT_EXEC and shmat with SHM_EXEC fail with EPERM (the seccomp
                                  filter systemd 252 installs)
  RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
                                  socket() of any other family fails with EAFNOSUPPORT
  ProcSubset=pid, ProtectProc=invisible
                                  /proc remounted, in a private mount namespace, with only the
                                  process's own entries (needs root and unshare)

Usage: sandbox.py COMMAND [ARGS...]. The command keeps this process's pid (exec, no fork), so a
caller can signal it. x86-64 only: the filter names system calls by number.
"""
import ctypes, os, platform, struct, subprocess, sys

if platform.machine() != "x86_64":
    sys.exit("sandbox.py knows the x86-64 system call numbers only")

if len(sys.argv) > 1 and sys.argv[1] == "--inside":
    # In the private mount namespace: a /proc of this process only, then the filters.
    subprocess.run(["mount", "-t", "proc", "-o", "subset=pid,hidepid=invisible", "proc", "/proc"], check=True)
    command = sys.argv[2:]
else:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    os.execvp("unshare", ["unshare", "--mount", "--propagation", "private", "--", sys.executable, os.path.abspath(__file__), "--inside", *sys.argv[1:]])

LD, AND, JEQ, JSET, RET = 0x20, 0x54, 0x15, 0x45, 0x06
ALLOW, EPERM, EAFNOSUPPORT = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 97
PROT_EXEC, PROT_WRITE, SHM_EXEC = 4, 2, 0o100000
NR, ARG0, ARG2 = 0, 16, 32          # offsets in struct seccomp_data (low 32 bits of each argument)

# (op, k, true-label, false-label); labels are resolved to the relative jumps BPF wants.
program = [
    ("deny_exec", None), (LD, NR),
    (JEQ, 10, "exec_flag", None), (JEQ, 329, "exec_flag", None),   # mprotect, pkey_mprotect
    (JEQ, 9, "write_and_exec", None), (JEQ, 30, "shm_exec", None),  # mmap, shmat
    (JEQ, 41, "family", None), (RET, ALLOW),                        # socket
    ("exec_flag", None), (LD, ARG2), (JSET, PROT_EXEC, "eperm", None), (RET, ALLOW),
    ("write_and_exec", None), (LD, ARG2), (AND, PROT_WRITE | PROT_EXEC), (JEQ, PROT_WRITE | PROT_EXEC, "eperm", None), (RET, ALLOW),
    ("shm_exec", None), (LD, ARG2), (JSET, SHM_EXEC, "eperm", None), (RET, ALLOW),
    ("family", None), (LD, ARG0), (JEQ, 1, "allow", None), (JEQ, 2, "allow", None), (JEQ, 10, "allow", None), (RET, EAFNOSUPPORT),
    ("allow", None), (RET, ALLOW),
    ("eperm", None), (RET, EPERM),
]
labels, code = {}, []
for item in program:
    if isinstance(item[0], str):
        labels[item[0]] = len(code)
    else:
        code.append(item)
def jump(label, at):
    return 0 if label is None else labels[label] - at - 1
filters = b"".join(struct.pack("HBBI", op[0], jump(op[2], i) if len(op) > 2 else 0, jump(op[3], i) if len(op) > 3 else 0, op[1])
                   for i, op in enumerate(code))

class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
buffer = ctypes.create_string_buffer(filters)
fprog = SockFprog(len(code), ctypes.cast(buffer, ctypes.c_void_p))
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
    sys.exit(f"sandbox.py: the seccomp filter was refused (errno {ctypes.get_errno()})")
os.execvp(command[0], command)
