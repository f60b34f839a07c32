"""One exception family, split by what the caller should do about it.

Transient errors are retried; terminal errors are not.  Record errors quarantine one
record; source errors fail one source; config and usage errors stop before any work.
Every message names the stage and source and, where there is one, the fix.
"""

from __future__ import annotations


class UnioncatError(Exception):
    """Base of every error unioncat raises on purpose."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        stage: str | None = None,
        source: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.stage = stage
        self.source = source
        self.hint = hint

    def __str__(self) -> str:
        where = " ".join(
            p for p in (f"[{self.stage}]" if self.stage else "", self.source or "") if p
        )
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" (fix: {self.hint})"
        return text


class TransientError(UnioncatError):
    """Worth retrying: timeouts, connection resets, 5xx, 429/503."""


class TerminalError(UnioncatError):
    """Retrying will not help: the input or the setup is wrong."""


class ConfigError(TerminalError):
    """The pipeline file or the command line is wrong; nothing ran."""

    exit_code = 2


class SourceError(TerminalError):
    """One source cannot be harvested; the other sources still run."""


class RecordError(TerminalError):
    """One record cannot be read or mapped; it is quarantined and the page goes on."""


class ResourceError(TerminalError):
    """The machine refused: a full disk, a read-only or damaged catalog, memory gone.

    Not a source's fault, so the run stops (every other source would fail the same way)
    and says which file, why, and what to do; what committed before is kept."""

    exit_code = 5

    def __init__(self, message: str, *, stage: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, stage=stage, hint=hint)
        self.context: dict[str, object] = {}  # what the stopped stage had done


class LockHeld(UnioncatError):
    """Another run holds the catalog; cron should simply try again next time."""

    exit_code = 3


class Interrupted(UnioncatError):
    """Ctrl-C or SIGTERM: the run stopped at a safe point, keeping what it committed.

    ``outcomes`` are what the stopped stage had done, for the run summary."""

    def __init__(self, signum: int, where: str, **context: object) -> None:
        import signal

        name = signal.Signals(signum).name
        super().__init__(
            f"stopped by {name} {where}; everything committed before is kept",
            stage="run",
            hint="run the same command again: it resumes after the last committed page",
        )
        self.signum = signum
        self.where = where
        self.exit_code = 128 + signum
        self.context = dict(context)
