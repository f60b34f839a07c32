"""What each command does, once the command line is parsed (see :mod:`unioncat.cli`).

Imported only when a command runs, so ``unioncat --help`` and ``--version`` pay for
none of DuckDB, Arrow or the formats.  No catalog logic lives here either: a command
calls the stages and prints what they say.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from unioncat import interrupts, report
from unioncat.catalog import Catalog, CatalogLock, export_records
from unioncat.catalog.resources import explain
from unioncat.cli import EXIT_OK, EXIT_PARTIAL, EXIT_STANDING
from unioncat.compiled import warn_if_not_built
from unioncat.config import PipelineConfig
from unioncat.contracts import RunStatus
from unioncat.dedupe.review import decide
from unioncat.dedupe.settings import MatchSettings
from unioncat.errors import ConfigError, Interrupted, ResourceError
from unioncat.ids import new_run_id
from unioncat.log import event, say
from unioncat.parallel import MapPool
from unioncat.pipeline import (
    SourceOutcome,
    harvest_all,
    merge_outcomes,
    normalize_archived,
    settle,
)
from unioncat.read_service import ReadService
from unioncat.redact import scrub


def _exit_for(outcomes: Sequence[SourceOutcome]) -> int:
    if any(o.status != "ok" for o in outcomes):
        return EXIT_PARTIAL
    return EXIT_STANDING if any(o.standing for o in outcomes) else EXIT_OK


def _sources_to_harvest(config: PipelineConfig, only: str | None = None) -> None:
    """A harvest with no source to harvest is a mistake in the pipeline file."""
    if only is not None:
        config.source(only)
        return
    if not any(s.enabled for s in config.sources):
        raise ConfigError(
            f"{config.path} lists no enabled source: there is nothing to harvest",
            stage="config",
            hint="add a source under sources: (see the README), or enable one",
        )


def _status_for(outcomes: Sequence[SourceOutcome]) -> RunStatus:
    if not outcomes or all(o.status == "ok" for o in outcomes):
        return "ok"
    if all(o.status == "failed" for o in outcomes):
        return "failed"
    return "partial"


def _with_writer(
    config: PipelineConfig,
    command: str,
    work: Callable[[Catalog, str, MapPool], tuple[int, list[SourceOutcome], dict[str, Any]]],
) -> int:
    """Take the lock, open the catalog, record the run, do the work, close the run.

    Ctrl-C and SIGTERM stop the work at its next safe point (:mod:`unioncat.interrupts`):
    the run is recorded as interrupted with what it committed, and the exit code is
    130 or 143."""
    run_id = new_run_id()
    with (
        CatalogLock(config.catalog, command, run_id) as lock,
        interrupts.stop_at_safe_points(),
    ):
        catalog = Catalog(config.catalog, memory_limit=config.memory_limit)
        pool = MapPool(config.workers)
        service = ReadService(catalog, config).__enter__()
        try:
            catalog.start_run(run_id, command, lock.previous_ending)
            event(
                "run.start",
                f"run {run_id}: unioncat {command} on {config.catalog}",
                run_id=run_id,
                command=command,
            )
            outcomes: list[SourceOutcome] = []
            try:
                interrupts.check("before any work")
                code, outcomes, extra = work(catalog, run_id, pool)
                catalog.tidy()
                counts = {"sources": [o.as_dict() for o in outcomes], **extra}
                status = _status_for(outcomes)
                message = "; ".join(o.error for o in outcomes if o.error) or None
                catalog.finish_run(run_id, status, counts, message)
            except Interrupted as stop:
                return _interrupted(catalog, run_id, command, stop)
            except KeyboardInterrupt:
                _close_run(catalog, run_id, "interrupted", "stopped at once by a second signal")
                raise
            except Exception as exc:
                resource = catalog.explain(exc)
                if resource is None:
                    _close_run(catalog, run_id, "failed", f"{type(exc).__name__}: {exc}")
                    raise
                resource.context.setdefault("outcomes", outcomes)
                _stopped_by_resource(catalog, lock, run_id, command, resource)
                raise resource from exc
            print(scrub(report.run_summary(run_id, command, outcomes, extra)))
            event(
                "run.finish",
                f"run {run_id} finished: {status}",
                run_id=run_id,
                status=status,
                exit_code=code,
            )
            return code
        finally:
            service.__exit__(None, None, None)
            pool.close()
            catalog.close()


def _close_run(
    catalog: Catalog,
    run_id: str,
    status: RunStatus,
    message: str,
    counts: dict[str, Any] | None = None,
) -> bool:
    """Record how a run ended that is ending on an exception; the exception must win."""
    try:
        catalog.finish_run(run_id, status, counts or {}, message)
        return True
    except duckdb.Error as exc:
        event(
            "run.unrecorded",
            f"run {run_id} could not be recorded as {status}: {exc}",
            logging.ERROR,
            run_id=run_id,
        )
        return False


def _close_source(catalog: Catalog, run_id: str, outcome: SourceOutcome) -> None:
    try:
        catalog.source_outcome(outcome.name, run_id, outcome.status, outcome.error)
    except duckdb.Error as exc:
        event(
            "run.unrecorded",
            f"{outcome.name}: its failure could not be recorded: {exc}",
            logging.ERROR,
            run_id=run_id,
            source=outcome.name,
        )


def _stopped_by_resource(
    catalog: Catalog, lock: CatalogLock, run_id: str, command: str, stop: ResourceError
) -> None:
    """Report what committed before the disk filled (or the memory ran out), and record
    the run as failed; where the catalog cannot take even that, the lock file beside it
    keeps the ending, and the next writer and ``status`` read it from there."""
    outcomes: list[SourceOutcome] = list(stop.context.get("outcomes") or [])  # type: ignore[call-overload]
    extra: dict[str, Any] = {"stopped": str(stop)}
    counts = {"sources": [o.as_dict() for o in outcomes], **extra}
    if _close_run(catalog, run_id, "failed", str(stop), counts):
        for o in outcomes:
            if o.status == "failed":
                _close_source(catalog, run_id, o)
    else:
        lock.note_ending("failed", str(stop))
    print(scrub(report.run_summary(run_id, command, outcomes, extra)))


def _interrupted(catalog: Catalog, run_id: str, command: str, stop: Interrupted) -> int:
    outcomes: list[SourceOutcome] = list(stop.context.get("outcomes") or [])  # type: ignore[call-overload]
    extra: dict[str, Any] = {"interrupted": stop.where}
    counts = {"sources": [o.as_dict() for o in outcomes], **extra}
    catalog.finish_run(run_id, "interrupted", counts, stop.message)
    print(scrub(report.run_summary(run_id, command, outcomes, extra)))
    event(
        "run.finish",
        f"run {run_id} interrupted: {stop}",
        logging.WARNING,
        run_id=run_id,
        status="interrupted",
        exit_code=stop.exit_code,
    )
    return stop.exit_code


def cmd_run(args: argparse.Namespace, config: PipelineConfig) -> int:
    warn_if_not_built()
    _sources_to_harvest(config)

    def work(
        catalog: Catalog, run_id: str, pool: MapPool
    ) -> tuple[int, list[SourceOutcome], dict[str, Any]]:
        outcomes = harvest_all(catalog, config, run_id, pool)
        interrupts.check("after harvesting", outcomes=outcomes)
        # envelopes archived by an earlier `harvest` and not mapped yet
        pending = normalize_archived(catalog, config, run_id, pool, pending_only=True)
        outcomes = settle(catalog, config, merge_outcomes(outcomes, pending), run_id,
                          harvested=True)  # fmt: skip
        extra: dict[str, Any] = {}
        if config.dedupe_enabled:
            from unioncat.dedupe.stage import dedupe_catalog  # numpy and rapidfuzz: on use

            interrupts.check("before matching", outcomes=outcomes)
            try:
                extra["dedupe"] = dedupe_catalog(
                    catalog, run_id, config.dedupe, within=config.dedupe_within
                ).as_dict()
            except Interrupted as stop:
                stop.context.setdefault("outcomes", outcomes)
                raise
        interrupts.check("before exporting", outcomes=outcomes)
        try:
            result = export_records(catalog, config.export, run_id)
        except Interrupted as stop:
            stop.context.setdefault("outcomes", outcomes)
            raise
        extra |= {"export": str(config.export), "exported_rows": result.rows}
        return _exit_for(outcomes), outcomes, extra

    return _with_writer(config, "run", work)


def cmd_harvest(args: argparse.Namespace, config: PipelineConfig) -> int:
    _sources_to_harvest(config, args.source)

    def work(
        catalog: Catalog, run_id: str, pool: MapPool
    ) -> tuple[int, list[SourceOutcome], dict[str, Any]]:
        outcomes = harvest_all(catalog, config, run_id, pool, only=args.source, normalize=False)
        outcomes = settle(catalog, config, outcomes, run_id, harvested=True)
        return _exit_for(outcomes), outcomes, {}

    return _with_writer(config, "harvest", work)


def _cmd_normalize(config: PipelineConfig, pending_only: bool, only: str | None) -> int:
    warn_if_not_built()
    name = "normalize" if pending_only else "renormalize"

    def work(
        catalog: Catalog, run_id: str, pool: MapPool
    ) -> tuple[int, list[SourceOutcome], dict[str, Any]]:
        if config.engine == "spark":
            from unioncat.spark_engine import mapped_on_spark

            with mapped_on_spark(
                catalog, config, run_id, pending_only=pending_only, only=only
            ) as on_spark:
                outcomes = normalize_archived(
                    catalog, config, run_id, on_spark, pending_only=pending_only, only=only
                )
        else:
            outcomes = normalize_archived(
                catalog, config, run_id, pool, pending_only=pending_only, only=only
            )
        outcomes = settle(catalog, config, outcomes, run_id, harvested=False)
        return _exit_for(outcomes), outcomes, {"engine": config.engine}

    return _with_writer(config, name, work)


def cmd_normalize(args: argparse.Namespace, config: PipelineConfig) -> int:
    return _cmd_normalize(config, True, None)


def cmd_renormalize(args: argparse.Namespace, config: PipelineConfig) -> int:
    return _cmd_normalize(config, False, args.source)


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(
            f"--since {value!r} is not a date or time", hint="e.g. 2026-12-01 or 2026-12-01T02:00Z"
        ) from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def cmd_export(args: argparse.Namespace, config: PipelineConfig) -> int:
    out = Path(args.out) if args.out else config.export
    since = _since(args.since)

    def work(
        catalog: Catalog, run_id: str, pool: MapPool
    ) -> tuple[int, list[SourceOutcome], dict[str, Any]]:
        if args.format in ("jsonld", "bibframe"):
            from unioncat.linked_export import export_linked

            linked = export_linked(catalog, out, args.format, args.base, config.access)
            return EXIT_OK, [], {
                "export": str(linked.path), "exported_rows": linked.records, "works": linked.works,
            }  # fmt: skip
        if args.format != "parquet":
            from unioncat.marc_export import ENTITIES, export_marc

            entities = ENTITIES if args.what == "both" else (args.what,)
            marc = export_marc(
                catalog, out, binary=args.format == "marc21", entities=entities, since=since,
                full=args.full, links=config.access,
            )  # fmt: skip
            return EXIT_OK, [], {
                "export": str(marc.folder), "written": marc.written, "deleted": marc.deleted,
                "too_long_for_iso2709": marc.too_long,
            }  # fmt: skip
        result = export_records(catalog, out, run_id)
        return EXIT_OK, [], {"export": str(out), "exported_rows": result.rows}

    return _with_writer(config, "export", work)


def cmd_dedupe(args: argparse.Namespace, config: PipelineConfig) -> int:
    def work(
        catalog: Catalog, run_id: str, pool: MapPool
    ) -> tuple[int, list[SourceOutcome], dict[str, Any]]:
        from unioncat.dedupe.stage import dedupe_catalog

        spark = None
        if config.engine == "spark" and args.full:  # a nightly run's few records stay here
            from unioncat.dedupe.on_spark import SparkDedupe
            from unioncat.spark_engine import spark_session

            spark = SparkDedupe(
                spark_session(config.spark), config.spark.warehouse / run_id / "dedupe"
            )
        try:
            counts = dedupe_catalog(
                catalog, run_id, config.dedupe, full=args.full, within=config.dedupe_within,
                spark=spark,
            )  # fmt: skip
        finally:
            if spark is not None:
                spark.close()
        extra = {"dedupe_engine": "spark"} if spark else {}
        return EXIT_OK, [], {"dedupe": counts.as_dict(), **extra}

    return _with_writer(config, "dedupe", work)


def cmd_review(args: argparse.Namespace, config: PipelineConfig) -> int:
    if args.decision is None:
        from unioncat.read_commands import read_command  # the review queue only

        return read_command(config, "review", {"limit": args.limit})
    if len(args.ids) != 2:
        raise ConfigError(f"review {args.decision}: give exactly two record ids")
    with CatalogLock(config.catalog, "review", new_run_id()):
        catalog = Catalog(config.catalog, memory_limit=config.memory_limit)
        try:
            print(decide(catalog, args.ids[0], args.ids[1], args.decision, args.note))
        finally:
            catalog.close()
    return EXIT_OK


def cmd_eval(args: argparse.Namespace, config: PipelineConfig | None) -> int:
    from unioncat.dedupe.evaluate import evaluate, parse_column_map

    settings = config.dedupe if config is not None else MatchSettings()
    if args.learn:
        settings = replace(settings, learn_weights=True)
    result = evaluate(
        Path(args.left),
        Path(args.right) if args.right else None,
        [Path(g) for g in args.gold],
        settings,
        parse_column_map(args.map or []),
        [t.strip() for t in args.within.split(",") if t.strip()] if args.within else None,
    )
    print(json.dumps(result.as_dict()), flush=True)
    if not args.quiet:
        print(result.summary(), file=sys.stderr)
    return EXIT_OK


def cmd_serve_oai(args: argparse.Namespace, config: PipelineConfig) -> int:
    from unioncat.oai_server import OAI_PATH, make_server

    settings = config.oai_provider
    if args.base_url:
        settings = replace(settings, base_url=args.base_url.rstrip("/"))
        settings.check()
    if not config.catalog.exists():
        raise ConfigError(
            f"no catalog at {config.catalog} to serve", hint="run `unioncat run` first"
        )
    base = settings.base_url

    def announce(host: str, port: int) -> None:
        event(
            "oai.serving",
            f"serve-oai: OAI-PMH on http://{host}:{port}{OAI_PATH} (base URL "
            f"{base or f'http://{host}:{port}{OAI_PATH}'}); Ctrl-C or SIGTERM stops it",
            host=host,
            port=port,
        )

    return _serve(lambda: (make_server(config, settings, args.host, args.port), None),
                  args.host, args.port, announce)  # fmt: skip


def _serve(
    start: Callable[[], tuple[Any, Callable[[], None] | None]], host: str, port: int,
    announce: Callable[[str, int], None],
) -> int:  # fmt: skip
    """Listen (``start`` gives the server and what to close after it), say where, and
    serve until Ctrl-C or SIGTERM."""
    import signal
    import threading

    try:
        server, close = start()
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="choose another --port, or stop what listens there",
        ) from exc
    announce(str(server.server_address[0]), int(server.server_address[1]))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass  # Ctrl-C: the server stops below, as SIGTERM stops it
    finally:
        server.server_close()
        if close is not None:
            close()
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, config: PipelineConfig) -> int:
    from unioncat.workbench.server import make_workbench

    if not config.catalog.exists():
        raise ConfigError(
            f"no catalog at {config.catalog} to work on", hint="run `unioncat run` first"
        )
    # one line per request only with -v (the search words are in the request line)
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)

    def start() -> tuple[Any, Callable[[], None]]:
        server, access = make_workbench(config, args.host, args.port, args.allow_remote)
        return server, access.close

    def announce(host: str, port: int) -> None:
        event(
            "serve.serving",
            f"serve: the workbench on http://{host}:{port}/ (catalog {config.catalog}); "
            "Ctrl-C or SIGTERM stops it",
            host=host,
            port=port,
        )

    return _serve(start, args.host, args.port, announce)


def cmd_check(args: argparse.Namespace) -> int:
    """``convert --check``: every finding of every file, then one line of counts; exit 1
    when a file has an error (a warning alone passes)."""
    from unioncat.normalize import CHECKERS

    checker = CHECKERS.get(args.format)
    if checker is None:
        raise ConfigError(
            f"--check has no checker for format {args.format!r}; formats with one: "
            + ", ".join(sorted(CHECKERS)),
            stage="config",
        )
    errors = warnings = 0
    for name in args.inputs:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {name}: {exc.strerror}", stage="config") from exc
        if data[:2] == b"\x1f\x8b":
            import gzip

            data = gzip.decompress(data)
        findings = checker(data, path.name.removesuffix(".gz"))
        for f in findings:
            print(f"{name}: {f}")
        e = sum(f.severity == "error" for f in findings)
        errors, warnings = errors + e, warnings + len(findings) - e
    print(f"{len(args.inputs)} file(s) checked: {errors} error(s), {warnings} warning(s)")
    return EXIT_PARTIAL if errors else EXIT_OK


CONVERT_QUARANTINE_SHOWN = 50


def cmd_convert(args: argparse.Namespace, config: PipelineConfig | None) -> int:
    if args.check:
        return cmd_check(args)
    if not args.output:
        raise ConfigError("convert needs -o OUT.parquet or OUT.jsonl (or --check)", stage="config")
    warn_if_not_built()
    from unioncat.convert import convert_files  # not loaded by the catalog's commands

    with interrupts.stop_at_safe_points():
        try:
            result = convert_files(
                args.inputs, args.format, Path(args.output), workers=args.workers
            )
        except Interrupted as stop:
            say(f"unioncat: {stop}", "convert.interrupted", logging.WARNING)
            return stop.exit_code
        except OSError as exc:  # a full disk under the output names the output
            resource = explain(exc, Path(args.output), stage="convert")
            if resource is None:
                raise
            raise resource from exc
    # the first ones on stderr, where a cataloger reads them; every one, with its bytes,
    # in the quarantine file (5,000 lines of warnings would hide the summary and cost
    # a second of formatting)
    for q in result.quarantined[:CONVERT_QUARANTINE_SHOWN]:
        say(
            f"quarantined {q.envelope.envelope_id}: {q.reason}",
            "convert.quarantined",
            logging.WARNING,
            envelope=q.envelope.envelope_id,
            reason=q.reason,
        )
    more = len(result.quarantined) - CONVERT_QUARANTINE_SHOWN
    if more > 0:
        say(
            f"... and {more} more quarantined record(s): every one is in {result.quarantine_path}",
            "convert.quarantined_more",
            logging.WARNING,
            more=more,
        )
    print(
        f"{result.records} records from {result.envelopes} input records written to "
        f"{args.output}; {len(result.quarantined)} quarantined"
        + (f" (details in {result.quarantine_path})" if result.quarantined else "")
    )
    return EXIT_PARTIAL if result.quarantined else EXIT_OK
