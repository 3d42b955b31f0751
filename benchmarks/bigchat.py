"""Build the large chat input the throughput benchmarks use (never committed: it is real data).

    python3 benchmarks/bigchat.py OUT.jsonl [--times 20] [--shuffle]

The real chats in ../shared/realdata (jddc_chats, mobilecs_calls, stc3_weibo_helpdesk: 5,630
messages) repeated TIMES times, each copy with new conversation ids (`<id>~<copy>`), so 20 copies
are the issue's 112,600 messages. jddc_baseline_windows.jsonl is left out: it was added to
realdata after the issue's figures were measured. --shuffle interleaves the messages of all
conversations (order within a conversation kept), the worst case for grouping.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
FILES = ("jddc_chats.jsonl", "mobilecs_calls.jsonl", "stc3_weibo_helpdesk.jsonl")


def source_lines() -> list[dict]:
    return [json.loads(line) for name in FILES for line in (REALDATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def build(out: Path, times: int = 20, shuffle: bool = False) -> int:
    """Write the file; returns the number of messages."""
    records = source_lines()
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        if not shuffle:
            for copy in range(times):
                for r in records:
                    f.write(json.dumps({**r, "conversation_id": f"{r['conversation_id']}~{copy}"}, ensure_ascii=False) + "\n")
                    n += 1
            return n
        # interleave: pick a random open conversation each time, keeping each one's own order
        queues: list[list[dict]] = []
        for copy in range(times):
            by_conv: dict[str, list[dict]] = {}
            for r in records:
                by_conv.setdefault(r["conversation_id"], []).append({**r, "conversation_id": f"{r['conversation_id']}~{copy}"})
            queues.extend(list(reversed(q)) for q in by_conv.values())
        rng = random.Random(14)
        while queues:
            k = rng.randrange(len(queues))
            f.write(json.dumps(queues[k].pop(), ensure_ascii=False) + "\n")
            n += 1
            if not queues[k]:
                queues[k] = queues[-1]
                queues.pop()
    return n


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--times", type=int, default=20)
    ap.add_argument("--shuffle", action="store_true")
    args = ap.parse_args(argv)
    if not all((REALDATA / name).is_file() for name in FILES):
        print(f"no real data in {REALDATA}")
        return 0
    n = build(args.out, args.times, args.shuffle)
    print(f"{args.out}: {n} messages, {args.out.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
