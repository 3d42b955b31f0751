"""The options every emitter gets besides the run."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class EmitOptions:
    """What every emitter is given besides the run: colour for terminals, and the finding kinds that
    fail the run (check --fail-on), so the CI formats mark as errors exactly what sets exit code 1."""

    color: bool | None = None
    fail_on: frozenset[str] = frozenset({"forbidden", "opener"})

    def with_color(self, color: bool | None) -> EmitOptions:
        return replace(self, color=color)


DEFAULT_OPTIONS = EmitOptions()
