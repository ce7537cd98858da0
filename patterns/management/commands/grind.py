"""manage.py grind: find a vanity key from the command line (PRODUCT.md §9)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser, OutputWrapper

from patterns.engine import (
    ANCHORS,
    FORMATS,
    CompiledPattern,
    GrindProgress,
    GrindResult,
    PatternError,
    PatternSpec,
    RegexTimeout,
    Until,
    compile_pattern,
    exact_odds,
    export_filenames,
    export_private_key,
    export_public_key,
    files_for_export,
    get_format,
    grind_parallel,
    max_workers,
    pull_probability,
    resolve_key_mode,
    write_files,
)
from patterns.presenters import format_percent
from patterns.selectors import candidate_result
from vanikeys_site.cli import VaniKeysCommand, usage_error


def parse_until(text: str | None, budget: int | None, n: int) -> Until:
    """``jackpot`` or ``score=K`` (1 ≤ K ≤ n); without --until and --budget: jackpot."""
    if text is None:
        return "jackpot" if budget is None else None
    if text == "jackpot":
        return "jackpot"
    name, _, value = text.partition("=")
    if name != "score" or not value.isdigit():
        raise usage_error(f"--until must be 'jackpot' or 'score=K', not {text!r}")
    score = int(value)
    if not 1 <= score <= n:
        raise usage_error(f"--until score={score} is out of range: the pattern has {n} part(s)")
    return score


def p_jackpot_per_key(compiled: CompiledPattern) -> float | None:
    """Exact per-key jackpot odds (odds.py); None for regex patterns, whose odds are sampled."""
    if compiled.spec.mode != "words":
        return None
    return exact_odds(compiled.spec)[0]


def stars(score: int, n: int) -> str:
    return "★" * score + "☆" * (n - score) + f" {score}/{n}"


class ProgressLine:
    """One status line on the command's stderr, rewritten in place on a terminal."""

    def __init__(self, stream: OutputWrapper, n: int, p_key: float | None) -> None:
        self.stream, self.n, self.p_key = stream, n, p_key
        self.tty = stream.isatty()

    def __call__(self, state: GrindProgress) -> None:
        best = "—" if state.best is None else f"{stars(state.best.match.score, self.n)} {state.best.body}"
        odds = "" if self.p_key is None else \
            f"  P(jackpot by now) {format_percent(pull_probability(self.p_key, state.keys_tried))}"
        line = f"{state.keys_tried:,} keys  {state.keys_per_second:,.0f} keys/s  best {best}{odds}"
        self.stream.write(f"\r\x1b[K{line}" if self.tty else line, style_func=str,
                          ending="" if self.tty else "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("", style_func=str, ending="\n")


def check_workers(workers: int | None) -> None:
    """Refuse a worker count below 1 or above ``max_workers()`` (4 per core)."""
    if workers is not None and not 1 <= workers <= max_workers():
        raise usage_error(f"--workers must be between 1 and {max_workers()} (4 per CPU core), not {workers}")


class Command(VaniKeysCommand):
    help = "Grind a vanity Ed25519 key for a pattern and print it in every encoding."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pattern", help='the parts, e.g. "GO BE AWE SOME"')
        parser.add_argument("--format", default="did:key", help=", ".join(FORMATS))
        parser.add_argument("--case-insensitive", action="store_true")
        parser.add_argument("--fuzzy", action="store_true")
        parser.add_argument("--anchor", default="anywhere", help=", ".join(ANCHORS))
        parser.add_argument("--mode", default="words", help="words or regex")
        parser.add_argument("--until", help="jackpot (default without --budget) or score=K")
        parser.add_argument("--budget", type=int, help="stop after this many keys")
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                            help="grinding processes (default: one per core)")
        parser.add_argument("--seed-mode", action="store_true",
                            help="onion: derive the key from a seed (every encoding) instead of "
                                 "expanded-key mode (Tor's key file only, far faster)")
        parser.add_argument("--out", help="write every encoding into this directory (files 0600)")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = self.compile(options)
        until = parse_until(options["until"], options["budget"], compiled.n)
        self.check_numbers(options)
        key_mode = resolve_key_mode(compiled, "seed" if options["seed_mode"] else None)
        out = self.check_out(options["out"], compiled.format.name, key_mode)
        progress = ProgressLine(self.stderr, compiled.n, p_jackpot_per_key(compiled))
        try:
            result = grind_parallel(compiled, workers=options["workers"], budget=options["budget"],
                                    until=until, progress=progress, progress_every=1.0, key_mode=key_mode)
        except RegexTimeout as exc:
            raise usage_error(str(exc)) from exc
        finally:
            progress.close()
        if result.best is None:
            raise CommandError("no key was generated", returncode=1)
        report = result_json(compiled, result)
        if out is not None:  # the key goes to the files only, never to the terminal or a log
            written = write_files(out, files_for_export(result.best.seed, compiled.format.name))
            del report["private_key"]
            report["files"] = [str(path) for path in written]
        self.stdout.write(json.dumps(report, indent=2) if options["json"] else render(report))

    def compile(self, options: dict[str, Any]) -> CompiledPattern:
        spec = PatternSpec(options["pattern"], options["format"], options["case_insensitive"],
                           options["fuzzy"], options["anchor"], options["mode"])
        try:
            return compile_pattern(spec)
        except PatternError as exc:
            raise usage_error(str(exc)) from exc

    @staticmethod
    def check_numbers(options: dict[str, Any]) -> None:
        if options["budget"] is not None and options["budget"] < 1:
            raise usage_error("--budget must be at least 1 key")
        check_workers(options["workers"])

    @staticmethod
    def check_out(directory: str | None, format_name: str, key_mode: str = "seed") -> Path | None:
        """Refuse up front (not after grinding) a directory that would be overwritten."""
        if directory is None:
            return None
        out = Path(directory)
        if out.exists() and not out.is_dir():
            raise usage_error(f"--out {directory}: exists and is not a directory")
        clashes = [name for name in export_filenames(format_name, key_mode) if (out / name).exists()]
        if clashes:
            raise usage_error(f"--out {directory}: would overwrite {', '.join(clashes)}")
        return out


def result_json(compiled: CompiledPattern, result: GrindResult) -> dict[str, Any]:
    best = result.best
    return {
        "format": compiled.format.name,
        "pattern": compiled.spec.pattern,
        **candidate_result(best),
        "keys_tried": result.keys_tried,
        "seconds": round(result.seconds, 3),
        "keys_per_second": round(result.keys_per_second),
        "workers": result.workers,
        "stopped_reason": result.stopped_reason,
        "public_key": export_public_key(best.public_key, compiled.format.name),
        "private_key": export_private_key(best.seed, compiled.format.name),
    }


def render(report: dict[str, Any]) -> str:
    """The human result: what was found, then every encoding of the key (or, with
    --out, where the files are)."""
    lines = [
        f"format    {get_format(report['format']).label}",
        f"address   {report['address']}",
        f"body      {report['body']}",
        f"score     {stars(report['score'], report['n'])}" + ("  jackpot!" if report["jackpot"] else ""),
        f"missing   {', '.join(report['missing']) or '—'}",
        f"bonus     {', '.join(report['bonus']) or '—'}",
        f"keys      {report['keys_tried']:,} in {report['seconds']:.1f} s "
        f"({report['keys_per_second']:,} keys/s, {report['workers']} workers, {report['stopped_reason']})",
        f"ssh public {report['public_key']['openssh_public']}",
    ]
    if "files" in report:
        return "\n".join([*lines, "", "private key written (mode 0600) to:", *report["files"]])
    private = report["private_key"]
    lines.append("")
    if "seed_hex" not in private:  # an onion key found in expanded-key mode
        lines.append("expanded-key mode: only Tor's key file exists for this key (--seed-mode for every encoding)")
    else:
        lines += [f"seed (hex)   {private['seed_hex']}", f"JWK          {json.dumps(private['jwk'])}"]
    if "solana_json" in private:
        lines.append(f"solana JSON  {private['solana_json']}")
    if "tor_secret_key_b64" in private:
        lines.append(f"Tor hs_ed25519_secret_key (base64)  {private['tor_secret_key_b64']}")
    if "pkcs8_pem" in private:
        lines += ["", private["pkcs8_pem"].rstrip(), private["openssh_pem"].rstrip()]
    return "\n".join(lines)
