"""``python -m bench [names…]``: run the benchmarks (all by default)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench import answers, audit, concurrency, lookup, mrz, personalisation, pg_lookup

BENCHES = {
    "lookup": lookup.run,
    "lookup-pg": pg_lookup.run,
    "answers": answers.run,
    "mrz": mrz.run,
    "personalisation": personalisation.run,
    "audit": audit.run,
    "audit-browse": audit.run_browse,
    "concurrency": concurrency.run,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHES, []], help="benchmarks to run")
    parser.add_argument("--folder", type=Path, default=Path("var/bench"))
    args = parser.parse_args()
    for name in args.names or list(BENCHES):
        BENCHES[name](args.folder)


if __name__ == "__main__":
    main()
