"""The command line: parse, then hand the command to :mod:`unioncat.commands`.

This module imports nothing heavy (no DuckDB, no Arrow, no format), so ``--help`` and
``--version`` answer at once and a cron line that fails on a typo fails fast; the
command's own module is imported after the arguments are read.

Exit codes are stable for cron: 0 all good, 1 some sources or records failed (or a
source gave nothing where something was due), 2 bad usage or config, 3 another run
holds the catalog, 4 nothing new failed but records quarantined by earlier runs still
stand.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from unioncat import __version__, interrupts
from unioncat.arrow_start import keep_pandas_out_of_pyarrow
from unioncat.errors import ConfigError, LockHeld, UnioncatError
from unioncat.log import say, setup_logging

if TYPE_CHECKING:
    from unioncat.config import PipelineConfig

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_LOCKED, EXIT_STANDING = 0, 1, 2, 3, 4
# a command that reads the pipeline file only when --config names one (eval dedupe)
OPTIONAL = "optional"
DEFAULT_CONFIG = "pipelines.yaml"


class _Version(argparse.Action):
    """``--version``: the release and which MARC path runs (compiled core or pure
    Python), worked out only when asked, so other commands do not import the core."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kw: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kw)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        from unioncat.compiled import MARC_PATH

        # on stdout, like argparse's own version action: scripts capture it
        print(f"unioncat {__version__}\nMARC path: {MARC_PATH}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="unioncat",
        description="Build a union catalog: harvest, normalize, store in DuckDB, export.",
    )
    p.add_argument("--config", default=DEFAULT_CONFIG, help="pipeline file (default: %(default)s)")
    p.add_argument("-v", "--verbose", action="store_true", help="log every committed page")
    p.add_argument(
        "--version", action=_Version, help="show the version and the MARC path, then exit"
    )
    # the same options after the command (`unioncat run --config x.yaml`) for cron lines
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add = sub.add_parser

    def add_parser(name: str, **kw: Any) -> argparse.ArgumentParser:
        return _add(name, parents=[common, *kw.pop("parents", [])], **kw)

    sub.add_parser = add_parser  # type: ignore[method-assign]

    deleting = argparse.ArgumentParser(add_help=False)
    deleting.add_argument(
        "--allow-deletions", action="append", default=[], metavar="SOURCE",
        help="let this run delete records of SOURCE beyond its deletion guard (a source "
        "that really dropped many records); repeatable",
    )  # fmt: skip
    sub.add_parser(
        "run", help="harvest, normalize and dedupe every source, then export",
        parents=[deleting],
    ).set_defaults(func="run")  # fmt: skip
    h = sub.add_parser(
        "harvest", help="fetch and archive raw records without mapping them", parents=[deleting]
    )
    h.add_argument("--source", help="only this source")
    h.set_defaults(func="harvest")
    sub.add_parser(
        "normalize", help="map archived records not mapped yet", parents=[deleting]
    ).set_defaults(func="normalize")
    r = sub.add_parser(
        "renormalize", help="map every archived record again (after a mapping change)",
        parents=[deleting],
    )  # fmt: skip
    r.add_argument("--source", help="only this source")
    r.set_defaults(func="renormalize")
    e = sub.add_parser(
        "export", help="write the Parquet export and its manifest, or MARC for loaders"
    )
    e.add_argument("--out", help="export folder (default: export: in the pipeline file)")
    e.add_argument(
        "--format", choices=("parquet", "marcxml", "marc21", "jsonld", "bibframe"),
        default="parquet",
        help="parquet (default: the full export); MARC: what changed since the last MARC "
        "export, with .delete files of the ids gone; jsonld (schema.org) or bibframe: every "
        "work with its members",
    )  # fmt: skip
    e.add_argument(
        "--base", default="urn:unioncat",
        help="jsonld, bibframe: the IRI nodes are named under (<base>/work/<cluster id>, "
        "<base>/record/<record id>; default %(default)s)",
    )  # fmt: skip
    e.add_argument(
        "--what", choices=("records", "clusters", "both"), default="both",
        help="MARC: records, clusters (one merged record per work) or both (default)",
    )  # fmt: skip
    e.add_argument(
        "--since", metavar="DATE",
        help="MARC: changes since this date or time (ISO 8601, UTC) instead of since the last "
        "export; the time of the last export is left as it was",
    )  # fmt: skip
    e.add_argument("--full", action="store_true", help="MARC: every record, not the changes")
    e.set_defaults(func="export")
    sub.add_parser("status", help="what the last runs did, per source").set_defaults(func="status")
    d = sub.add_parser("dedupe", help="match changed records and update the clusters")
    d.add_argument("--full", action="store_true", help="match every record again")
    d.set_defaults(func="dedupe")
    rv = sub.add_parser(
        "review", help="list borderline pairs, or accept or reject a pair (decisions persist)"
    )
    rv.add_argument("decision", nargs="?", choices=("accept", "reject"), help="accept or reject")
    rv.add_argument("ids", nargs="*", metavar="RECORD_ID", help="the two records of the pair")
    rv.add_argument("--note", help="why (kept with the decision)")
    rv.add_argument("--limit", type=int, default=50, help="pairs to list (default: 50)")
    rv.set_defaults(func="review")
    ev = sub.add_parser("eval", help="evaluate a stage against gold data")
    ev_sub = ev.add_subparsers(dest="what", required=True, metavar="WHAT")
    evd = ev_sub.add_parser(
        "dedupe", help="run the matcher on CSV tables and score it against gold pairs"
    )
    evd.add_argument("--left", required=True, help="CSV with id and title, authors, ...")
    evd.add_argument("--right", help="second CSV (omit to find duplicates within --left)")
    evd.add_argument(
        "--gold", required=True, action="append", metavar="GOLD.csv",
        help="CSV of left_id,right_id gold pairs (or ltable_id,rtable_id,label); repeat it "
        "to use several files together",
    )  # fmt: skip
    evd.add_argument(
        "--map", action="append", metavar="COLUMN=FIELD,...",
        help="read a table's column as one of the matcher's fields (e.g. "
        "artist=authors,tracks=contents); an unknown field is refused with the list",
    )  # fmt: skip
    evd.add_argument(
        "--within", metavar="left|right|left,right",
        help="the tables whose own records may be duplicates of each other (default: the "
        "one table; neither of two), matched as a source set to dedupe_within",
    )  # fmt: skip
    evd.add_argument(
        "--learn", action="store_true",
        help="learn the level weights from the tables' own candidate pairs first (as "
        "dedupe.learn_weights: true does in a catalog); the summary lists what moved",
    )  # fmt: skip
    evd.add_argument(
        "--quiet", action="store_true",
        help="only the JSON line: no summary of the strongest false matches and the "
        "weakest missed pairs on stderr",
    )  # fmt: skip
    evd.add_argument(
        "--config", default=argparse.SUPPRESS,
        help="a pipeline file whose dedupe: settings to match with (default: the set weights)",
    )  # fmt: skip
    evd.set_defaults(func="eval", needs_config=OPTIONAL)
    s = sub.add_parser("show", help="one record, or one cluster with its members and reasons")
    s.add_argument("id", help="record id, SOURCE:SOURCE_ID, or cluster id")
    s.add_argument("--text", action="store_true", help="labelled fields for people instead of JSON")
    s.set_defaults(func="show")
    f = sub.add_parser(
        "find", help="records by an identifier of any scheme (ISBN, ISSN, DOI, OCLC, LCCN, "
        "the source's id) or by words of a title or a name",
    )  # fmt: skip
    f.add_argument("query", nargs="+", metavar="QUERY")
    f.add_argument("--source", help="only this source")
    f.add_argument("--type", help="only this type (book, journal_article, ...)")
    f.add_argument("--limit", type=int, default=20, help="records to list (default: 20)")
    table = f.add_mutually_exclusive_group()
    table.add_argument("--table", dest="table", action="store_true", default=None,
                       help="a table even off a terminal")  # fmt: skip
    table.add_argument("--json", dest="table", action="store_false",
                       help="JSON lines even on a terminal")  # fmt: skip
    f.set_defaults(func="find")
    rs = sub.add_parser(
        "resolve", help="can a reader get this article? an OpenURL answered from the catalog"
    )
    rs.add_argument(
        "kev", help="the OpenURL's key/encoded-value string, e.g. "
        "'rft.issn=1476-4687&rft.volume=12&rft.spage=45&rft.date=2004'",
    )  # fmt: skip
    rs.add_argument("--date", help="answer as of this day (YYYY-MM-DD; embargoes move)")
    rs.add_argument("--html", action="store_true", help="the page a reader sees, not JSON")
    rs.set_defaults(func="resolve")
    so = sub.add_parser(
        "serve-oai", help="serve the catalog's records and clusters over OAI-PMH 2.0 at /oai"
    )
    so.add_argument("--port", type=int, default=8080, help="port (default %(default)s; 0: any)")
    so.add_argument(
        "--host", default="127.0.0.1",
        help="address to bind (default %(default)s: this machine only; 0.0.0.0 opens it "
        "to the network)",
    )  # fmt: skip
    so.add_argument(
        "--base-url", help="the URL harvesters reach it at, behind a reverse proxy (default: "
        "oai_provider.base_url, or this server's own address)",
    )  # fmt: skip
    so.set_defaults(func="serve_oai")
    sv = sub.add_parser(
        "serve", help="the workbench in a browser: search, records, clusters, the review "
        "queue, the quarantine and the report",
    )  # fmt: skip
    sv.add_argument("--port", type=int, default=8070, help="port (default %(default)s; 0: any)")
    sv.add_argument(
        "--host", default="127.0.0.1",
        help="address to bind (default %(default)s: this machine only; any other needs "
        "--allow-remote and a token in UNIONCAT_WORKBENCH_TOKEN)",
    )  # fmt: skip
    sv.add_argument(
        "--allow-remote", action="store_true",
        help="bind an address other machines reach (with UNIONCAT_WORKBENCH_TOKEN set)",
    )  # fmt: skip
    sv.set_defaults(func="serve")
    rp = sub.add_parser(
        "report", help="the collection report: one HTML page, its tables as Parquet and CSV"
    )
    rp.add_argument(
        "--out", metavar="DIR", help="folder to write it in (default: report/ beside the export)"
    )
    rp.set_defaults(func="report")
    q = sub.add_parser("quarantine", help="list quarantined records and why")
    q.add_argument("--source", help="only this source")
    q.add_argument("--dump", metavar="DIR", help="also write each quarantined record's raw bytes")
    q.set_defaults(func="quarantine")
    c = sub.add_parser("convert", help="map files straight to Parquet or JSON lines, no catalog")
    c.add_argument("inputs", nargs="+", metavar="INPUT")
    c.add_argument("--format", required=True, help="normalizer name, e.g. marc")
    c.add_argument("-o", "--output", help="OUT.parquet or OUT.jsonl")
    c.add_argument(
        "--check",
        action="store_true",
        help="hold each file against its format's standard (kbart): findings by row, no output",
    )
    c.add_argument(
        "--workers", type=int, default=0, help="mapping processes (default: one per core)"
    )
    c.set_defaults(func="convert", needs_config=False)
    return p


def _fail(exc: UnioncatError, code: int) -> int:
    say(
        f"unioncat: {exc}",
        "error",
        stage=exc.stage,
        source=exc.source,
        hint=exc.hint,
        exit_code=code,
    )
    return code


def _resource_errors() -> tuple[type[BaseException], ...]:
    """What the machine can refuse: DuckDB's errors only if DuckDB was loaded at all."""
    duckdb = sys.modules.get("duckdb")
    found: tuple[type[BaseException], ...] = (OSError, MemoryError)
    return found + ((duckdb.Error,) if duckdb is not None else ())


def run(argv: Sequence[str] | None = None) -> int:
    """The ``unioncat`` program: :func:`main` in a process of its own, which may
    therefore keep pandas out of pyarrow (:mod:`unioncat.arrow_start`); code that calls
    :func:`main` in its own process keeps pyarrow as it was."""
    return main(argv, own_process=True)


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(verbose=args.verbose)
    config: PipelineConfig | None = None
    try:
        needs = getattr(args, "needs_config", True)
        reader = _read_command(args.func)
        # "optional": the pipeline file is read only when --config names one
        if needs is False or (needs == OPTIONAL and args.config == DEFAULT_CONFIG):
            config = None
        else:
            from unioncat.config import load_config

            # a command that only reads the catalog leaves the formats' modules unloaded
            config = load_config(args.config, formats=reader is None)
        if config is not None and getattr(args, "allow_deletions", None):
            for name in args.allow_deletions:
                config.source(name)  # an unknown name is a typo: refuse it
            config.allow_deletions = frozenset(args.allow_deletions)
        if own_process and (config is None or config.engine != "spark"):
            keep_pandas_out_of_pyarrow()  # Spark's driver may hand pyarrow pandas values
        # a writer's module (the pipeline, Arrow) loads once the pipeline file is read:
        # a typo in it fails before that
        command = reader or _write_command(args.func)
        code: int = command(args, config)
        return code
    except ConfigError as exc:
        return _fail(exc, EXIT_USAGE)
    except LockHeld as exc:
        return _fail(exc, EXIT_LOCKED)
    except UnioncatError as exc:
        return _fail(exc, exc.exit_code)
    except KeyboardInterrupt:
        say(
            "unioncat: stopped at once; every page committed before is kept (run the same "
            "command again to go on)",
            "run.stopped",
            logging.WARNING,
        )
        return interrupts.exit_code_for_stop()
    except BrokenPipeError:
        # the reader stopped reading (`unioncat status | head -2`): not our failure, and
        # Python must not complain again when it flushes stdout at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except _resource_errors() as exc:
        # a full disk or a damaged catalog met outside a run (opening the lock file,
        # a read-only command): the same clear message; anything else is a bug
        from unioncat.catalog.resources import explain

        resource = explain(exc, config.catalog if config is not None else None)
        if resource is None:
            raise
        return _fail(resource, resource.exit_code)


def _read_command(name: str) -> Any:
    """The function of a read-only command, whose module loads the catalog's reading
    side only; None for a command that writes."""
    from unioncat import read_commands

    return getattr(read_commands, f"cmd_{name}", None)


def _write_command(name: str) -> Any:
    from unioncat import commands

    return getattr(commands, f"cmd_{name}")


if __name__ == "__main__":
    sys.exit(run())
