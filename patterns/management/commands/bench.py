"""manage.py bench: this machine's grinding rate against the raw keygen baseline."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from patterns.engine import FORMATS, PatternError, bench_pattern, benchmark
from patterns.management.commands.grind import check_workers
from vanikeys_site.cli import VaniKeysCommand, usage_error


class Command(VaniKeysCommand):
    help = "Measure keys/s of the grinder (one process and all cores) against the raw keygen rate."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=float, default=6.0, help="length of each measurement")
        parser.add_argument("--format", default="did:key", help=", ".join(FORMATS))
        parser.add_argument("--workers", type=int, help="processes for the all-cores figure")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["seconds"] <= 0:
            raise usage_error("--seconds must be positive")
        check_workers(options["workers"])
        try:
            compiled = bench_pattern(options["format"])
        except PatternError as exc:
            raise usage_error(str(exc)) from exc
        figures = benchmark(compiled, options["seconds"], options["workers"], on_stage=self.show_stage)
        self.stdout.write(json.dumps(figures, indent=2) if options["json"] else render(figures))

    def show_stage(self, stage: str) -> None:
        """One line per stage: a log or a pipe reads it as it is (no carriage returns)."""
        self.stderr.write(f"measuring: {stage}")
        self.stderr.flush()


def render(figures: dict[str, Any]) -> str:
    lines = [
        f"format            {figures['format']} (pattern {figures['pattern']!r})",
        f"path              {figures['engine']}",
        f"one process       {figures['keys_per_s_one_process']:>10,} keys/s",
        f"all cores ({figures['workers']})     {figures['keys_per_s_all_cores']:>10,} keys/s"
        f"  ({figures['scaling_all_cores']:.2f}x one process)",
        f"baseline          {figures['baseline_keys_per_s']:>10,} keys/s  ({figures['baseline']})",
        f"ratio             {figures['ratio']:.3f}  (one process / baseline)",
    ]
    if "expanded_ratio" in figures:
        lines += [
            f"expanded, one     {figures['expanded_keys_per_s_one_process']:>10,} keys/s  (onion expanded-key mode)",
            f"expanded, all ({figures['workers']}) {figures['expanded_keys_per_s_all_cores']:>10,} keys/s"
            f"  ({figures['expanded_scaling_all_cores']:.2f}x one process)",
            f"expanded ratio    {figures['expanded_ratio']:.1f}  (expanded one process / baseline)",
        ]
    return "\n".join(lines)
