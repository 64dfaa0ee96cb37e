"""Crash safety with a real writer process killed by SIGKILL in the middle of appending.

The child appends batches of deterministic entries and prints ``ACK <size>`` after each acknowledged append.
The parent kills it at a random moment, reopens the log (which repairs any torn tail), and checks that no
acknowledged entry is lost, every entry is the expected one, and the root matches the entries.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from wupian.attest import root_hash
from wupian.attest.merkle import leaf_hash, verify_inclusion
from wupian.attest.store import LogStore

CHILD = textwrap.dedent(
    """
    import random, sys
    from wupian.attest.store import LogStore

    def entry_bytes(i):
        return (f"entry-{i:08d}|".encode() * 40)[: 50 + (i * 7919) % 3000]

    store = LogStore.open(sys.argv[1])
    rng = random.Random(int(sys.argv[2]))
    print("READY", store.size, flush=True)
    while True:
        n = store.size
        k = rng.choice([1, 1, 2, 5, 30, 200])
        if k == 1:
            store.append(entry_bytes(n))
        else:
            store.append_batch(entry_bytes(i) for i in range(n, n + k))
        print("ACK", store.size, flush=True)
    """
)


def entry_bytes(i: int) -> bytes:
    return (f"entry-{i:08d}|".encode() * 40)[: 50 + (i * 7919) % 3000]


def test_killed_writer_loses_no_acknowledged_entry(tmp_path: Path) -> None:
    log = tmp_path / "log"
    LogStore.create(log).close()
    script = tmp_path / "writer.py"
    script.write_text(CHILD, encoding="utf-8")
    rng = random.Random(20250601)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    acknowledged = 0
    for round_no in range(12):
        child = subprocess.Popen([sys.executable, str(script), str(log), str(round_no)],
                                 stdout=subprocess.PIPE, text=True, env=env)
        assert child.stdout is not None
        ready = child.stdout.readline().split()
        assert ready[0] == "READY" and int(ready[1]) >= acknowledged
        time.sleep(rng.uniform(0.02, 0.25))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        # Only whole lines count: SIGKILL may land while an "ACK n" line is half written to the pipe, and an
        # acknowledgement the parent never read in full was never given.
        acks = [int(line.split()[1]) for line in out.splitlines(keepends=True)
                if line.startswith("ACK ") and line.endswith("\n")]
        if acks:
            acknowledged = max(acknowledged, acks[-1])
        with LogStore.open(log) as store:  # the writer's open repairs the tail
            n = store.size
            assert n >= acknowledged, f"round {round_no}: lost acknowledged entries ({n} < {acknowledged})"
            entries = [e for _, e in store.entries()]
            assert entries == [entry_bytes(i) for i in range(n)]
            assert store.root() == root_hash(entries)
            for i in rng.sample(range(n), min(n, 5)):
                assert verify_inclusion(leaf_hash(entries[i]), i, n, store.inclusion_proof(i), store.root())
            store.audit()
        acknowledged = n
    assert acknowledged > 0
