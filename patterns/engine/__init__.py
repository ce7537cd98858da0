"""The VaniKeys engine: vanity Ed25519 keys, pattern matching and exact odds.

Plain Python (PyNaCl, cryptography, numpy, based58, regex; no web framework), usable on
its own::

    from patterns.engine import PatternSpec, compile_pattern, estimate, grind

    compiled = compile_pattern(PatternSpec("GO BE", "did:key", fuzzy=True))
    odds = estimate(compiled, budget=100_000, keys_per_second=50_000.0,
                    pull_cost_tokens=100, dollars_per_token=0.005)
    best = grind(compiled, budget=100_000).best

Modules: ``formats`` (key formats and body encoders), ``keys`` (keypairs and exports),
``pattern`` (parse, validate, compile), ``matcher`` (score, jackpot, bonus), ``odds``
with ``distribution`` and ``automata`` (exact odds), ``userregex`` (time-limited user
regexes), ``grind`` (the single-process hot loop), ``pool`` (one process per core),
``bench`` (the grinding benchmark) and ``native`` (the compiled grinding core, used
automatically when built: ``native.status()`` says which path runs). Everything a caller needs is imported here; the
modules are for the engine's own tests. Note that ``patterns.engine.grind`` here is the
function: reach the module by ``from patterns.engine.grind import …`` or
``importlib.import_module("patterns.engine.grind")``.
"""

from .bench import bench_pattern, benchmark
from .formats import FORMATS, Format, UnknownFormat, get_format
from .grind import Candidate, GrindProgress, GrindResult, KeyMode, KeySource, Until, grind, resolve_key_mode
from .keys import (
    KEY_MODES,
    export_filenames,
    export_private_key,
    export_public_key,
    files_for_export,
    private_encodings,
    write_files,
)
from .matcher import Display, MatchResult, display, evaluate, highlight_spans
from .odds import (
    GuaranteedOdds,
    KeysFigure,
    LevelOdds,
    OddsEstimate,
    PullOdds,
    SamplingInfo,
    estimate,
    exact_odds,
    pull_probability,
)
from .pattern import (
    ANCHORS,
    FUZZY_GROUPS,
    MODES,
    CompiledPattern,
    PatternError,
    PatternIssue,
    PatternSpec,
    compile_pattern,
    validate,
)
from .pool import grind_parallel, max_workers
from .userregex import RegexTimeout

__all__ = [
    # patterns
    "ANCHORS", "FUZZY_GROUPS", "MODES",
    "CompiledPattern", "PatternError", "PatternIssue", "PatternSpec", "compile_pattern", "validate",
    # formats
    "FORMATS", "Format", "UnknownFormat", "get_format",
    # scoring
    "Display", "MatchResult", "display", "evaluate", "highlight_spans",
    # odds
    "GuaranteedOdds", "KeysFigure", "LevelOdds", "OddsEstimate", "PullOdds", "SamplingInfo",
    "estimate", "exact_odds", "pull_probability",
    # grinding
    "Candidate", "GrindProgress", "GrindResult", "KEY_MODES", "KeyMode", "KeySource", "RegexTimeout", "Until",
    "grind", "grind_parallel", "max_workers", "resolve_key_mode",
    # benchmark
    "bench_pattern", "benchmark",
    # keys
    "export_filenames", "export_private_key", "export_public_key", "files_for_export", "private_encodings",
    "write_files",
]
