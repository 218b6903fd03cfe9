"""Run Celery with an injected clock: ``python bench/_traveled.py --offset S [--clock-file F] -- <celery args>``.

The wall clock of the process (and of its forked pool processes) runs ``S`` seconds ahead of the real one,
at normal speed (time-machine). With ``--clock-file`` every process follows later offsets written to that
file (one number of seconds), so a benchmark can let "a quarter of an hour pass" for retries in a second.
Monotonic clocks are not touched, so time-outs and sleeps behave normally.
"""

import argparse
import sys
import threading
import time

import time_machine


def follow(coordinates, path, applied):
    """Shift this process's clock whenever the clock file holds a new offset."""

    def loop():
        nonlocal applied
        while True:
            try:
                wanted = float(open(path).read().strip() or applied)
            except (OSError, ValueError):
                wanted = applied
            if wanted != applied:
                coordinates.shift(wanted - applied)
                applied = wanted
            time.sleep(0.1)

    threading.Thread(target=loop, daemon=True, name="bench-clock").start()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--offset", type=float, required=True)
    parser.add_argument("--clock-file")
    args, rest = parser.parse_known_args()
    if rest and rest[0] == "--":
        rest = rest[1:]
    coordinates = time_machine.travel(time.time() + args.offset, tick=True).start()
    time.time()  # time-machine starts ticking at the first reading, not at start(): read it now
    if args.clock_file:
        follow(coordinates, args.clock_file, args.offset)
        from celery import signals

        @signals.worker_process_init.connect(weak=False)
        def _in_pool_process(**kwargs):
            follow(coordinates, args.clock_file, _current_offset(args.clock_file, args.offset))

    from celery.__main__ import main as celery_main

    sys.argv = ["celery", *rest]
    sys.exit(celery_main())


def _current_offset(path, default):
    """A forked pool process inherits the parent's shifted clock; this is the offset it already has."""
    try:
        return float(open(path).read().strip())
    except (OSError, ValueError):
        return default


if __name__ == "__main__":
    main()
