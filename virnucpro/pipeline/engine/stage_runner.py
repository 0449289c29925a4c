"""Running a tuple of stages with per-stage checkpoints: reuse what is unchanged and whole,
redo the rest, record each finished stage's outputs.

A stage's checkpoint (``checkpoint.StageCheckpoint``) is keyed on the settings it reads
(``definitions.STAGE_SETTINGS``) and on the outputs of the stages before it (``upstream``). On
``--resume`` a stage is reused when both are unchanged and its recorded outputs are still there
with their size and SHA-256; else it runs again (and logs why). Intermediates removed at the end
of a run (no ``-k``) count as reusable until a later stage has to run again: then the stages
that wrote them run again first. A changed setting of a stage outside
``definitions.REDONE_WHEN_CHANGED`` refuses the resume, saying what changed.

Torch-free, so ``virnucpro preprocess`` starts fast.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.errors import UsageError
from virnucpro.file_digests import current_digest, recorded_digest
from virnucpro.paths import RunLayout
from virnucpro.pipeline.definitions import REDONE_WHEN_CHANGED, STAGE_SETTINGS, Pipeline, Stage
from virnucpro.pipeline.engine.checkpoint import Checkpoints, StageCheckpoint, fingerprint
from virnucpro.pipeline.engine.signals import stage_starts
from virnucpro.pipeline.engine.stage_settings import SettingValues, describe_change
from virnucpro_telemetry import current_registry, skip_stage, stage_name

logger = logging.getLogger(__name__)

_REUSE, _REMOVED = "reuse", "removed"  # a stage's state on resume, besides a reason to redo it
Snapshot = dict[str, tuple[int, int, int]]  # relative path -> (size, mtime_ns, inode)


def snapshot(layout: RunLayout) -> Snapshot:
    """Every output file of the folder (records, lock and temporary files aside)."""
    root = layout.output_dir
    state, lock = layout.state_dir.name, layout.lock_file.name
    files: Snapshot = {}
    for folder, dirs, names in os.walk(root):
        if Path(folder) == root:
            dirs[:] = [name for name in dirs if name != state]
        for name in names:
            if name.startswith(lock) or name.endswith(".tmp"):
                continue
            path = Path(folder) / name
            info = path.stat()
            files[path.relative_to(root).as_posix()] = (info.st_size, info.st_mtime_ns,
                                                        info.st_ino)
    return files


def _is_intermediate(layout: RunLayout, relative: str) -> bool:
    path = layout.output_dir / relative
    return any(path == item or item in path.parents for item in layout.intermediates())


def _outputs_state(layout: RunLayout, checkpoint: StageCheckpoint) -> str:
    """``_REUSE``, ``_REMOVED`` (only intermediates missing), or why the outputs are not whole."""
    removed = False
    for relative, digest in checkpoint.outputs.items():
        problem = digest.problem(layout.output_dir / relative)
        if problem == "missing" and _is_intermediate(layout, relative):
            removed = True
        elif problem is not None:
            return f"{relative}: {problem}"
    return _REMOVED if removed else _REUSE


@dataclass
class StagePlan:
    """What a run does with each stage of its pipeline (see the module docstring).

    Attributes:
        settings: each stage's setting values.
        records: each stage's checkpoint record, where one may be reused.
        states: each recorded stage's state on resume (``_REUSE``, ``_REMOVED`` or a reason).
        restore_from: the first stage to run again (None: as each stage's own state says).
    """

    settings: dict[Stage, dict] = field(default_factory=dict)
    records: dict[Stage, StageCheckpoint] = field(default_factory=dict)
    states: dict[Stage, str] = field(default_factory=dict)
    restore_from: int | None = None


def plan_stages(pipeline: Pipeline, layout: RunLayout, values: SettingValues,
                checkpoints: Checkpoints, resume: bool, kept: Pipeline = ()) -> StagePlan:
    """The plan of a run of ``pipeline``: its settings, and on resume what can be reused.

    Args:
        pipeline: every stage of the run, ``kept`` ones first.
        layout: the run's folder.
        values: the run's setting values.
        checkpoints: the folder's checkpoint records.
        resume: whether the run continues the one in the folder.
        kept: stages of the folder's run that this run builds on without running them
            (``classify``): their records are taken as they are.

    Raises:
        UsageError: a resumed stage's settings changed and it is not one that is redone then
            (the message lists every change), or a checkpoint record is damaged.
    """
    plan = StagePlan(settings={stage: values.of(STAGE_SETTINGS[stage])
                               for stage in pipeline if stage not in kept})
    for stage in kept:
        plan.records[stage], plan.states[stage] = checkpoints.read(stage), _REUSE
    if not resume:
        return plan
    changes = []
    for stage in pipeline[len(kept):]:
        record = checkpoints.read(stage)
        if record is None:
            continue
        settings = plan.settings[stage]
        if record.settings != settings:
            if stage not in REDONE_WHEN_CHANGED:
                changes += [describe_change(name, record.settings.get(name), value)
                            for name, value in settings.items()
                            if record.settings.get(name) != value]
            continue
        plan.records[stage] = record
        plan.states[stage] = _outputs_state(layout, record)
    if changes:
        raise UsageError(f"cannot resume the run in {layout.output_dir}: " + "; ".join(changes)
                         + ". Use --force to start over with the new input and settings")
    plan.restore_from = _restore_from(pipeline, plan)
    return plan


def _restore_from(pipeline: Pipeline, plan: StagePlan) -> int | None:
    """The first stage whose removed intermediates a stage that must run again needs."""
    must_run = [index for index, stage in enumerate(pipeline)
                if plan.states.get(stage) not in (_REUSE, _REMOVED)]
    if not must_run:
        return None
    removed = [index for index, stage in enumerate(pipeline[:must_run[0]])
               if plan.states.get(stage) == _REMOVED]
    return removed[0] if removed else None


@dataclass
class StageLoop:
    """Runs the stages of one plan in order, keeping the upstream digest as it goes.

    Attributes:
        pipeline: the whole pipeline (positions for ``plan.restore_from``).
        layout: the run's folder.
        config: the run's settings.
        models: the resolved models (None: a run without models).
        checkpoints: the folder's checkpoint records.
        plan: from :func:`plan_stages`.
        upstream: the digest of the outputs of the stages so far.
        done: the records of the stages run or reused so far.
    """

    pipeline: Pipeline
    layout: RunLayout
    config: PipelineConfig
    models: ResolvedModels | None
    checkpoints: Checkpoints
    plan: StagePlan
    upstream: str = fingerprint([])
    done: dict[Stage, StageCheckpoint] = field(default_factory=dict)

    def reusable(self, stage: Stage) -> bool:
        """Whether ``stage`` is reused from its checkpoint at this point of the run."""
        record = self.plan.records.get(stage)
        state = self.plan.states.get(stage)
        if record is None or record.upstream != self.upstream:
            return False
        restore = self.plan.restore_from
        if state == _REMOVED:
            return restore is None or self.pipeline.index(stage) < restore
        return state == _REUSE

    def run(self, stages: Pipeline) -> None:
        """Run or reuse each of ``stages``, in order."""
        for stage in stages:
            if self.reusable(stage):
                self.reuse(stage)
                continue
            before = self.start(stage)
            stage(self.layout, self.config, self.models)
            self.finish(stage, before)

    def follow(self, stage: Stage) -> None:
        """Take ``stage``'s record as it is, without a word (a stage ``classify`` builds on)."""
        self._advance(stage, self.plan.records[stage])

    def reuse(self, stage: Stage) -> None:
        """Record ``stage`` as reused (``skipped (checkpoint)`` in the summary)."""
        skip_stage(stage_name(stage), "checkpoint")
        self._advance(stage, self.plan.records[stage])

    def start(self, stage: Stage) -> Snapshot:
        """Before ``stage`` runs: say why it runs again, forget its record, snapshot the folder."""
        self._explain_redo(stage)
        self.checkpoints.clear(stage)
        before = snapshot(self.layout)
        stage_starts(stage_name(stage))
        return before

    def finish(self, stage: Stage, before: Snapshot, only: set[str] | None = None) -> None:
        """After ``stage`` ran: record its outputs, those it wrote now and those it kept (the
        files an earlier, stopped attempt wrote whole, as ``file_digests`` recorded them).

        ``only``: the files that can be its outputs (under torchrun, where the two feature
        stages ran between the same two snapshots).
        """
        after = snapshot(self.layout)
        if only is not None:
            after = {relative: info for relative, info in after.items() if relative in only}
        outputs = {relative: current_digest(self.layout, self.layout.output_dir / relative)
                   for relative, info in after.items() if before.get(relative) != info}
        for relative in after.keys() - outputs.keys() - self._claimed(stage):
            digest = recorded_digest(self.layout, self.layout.output_dir / relative)
            if digest is not None and digest.size == after[relative][0]:
                outputs[relative] = digest
        record = StageCheckpoint(stage_name(stage), self.plan.settings[stage], self.upstream,
                                 dict(sorted(outputs.items())), recorded_metrics(stage))
        self.checkpoints.write(stage, record)
        self._advance(stage, record)

    def _claimed(self, stage: Stage) -> set[str]:
        """The files that other stages' records name as their outputs."""
        claimed: set[str] = set()
        for other in self.pipeline:
            record = self.done.get(other) or self.plan.records.get(other)
            if other is not stage and record is not None:
                claimed.update(record.outputs)
        return claimed

    def _advance(self, stage: Stage, record: StageCheckpoint) -> None:
        self.done[stage] = record
        self.upstream = fingerprint([self.upstream, record.stage, record.outputs_digest()])

    def _explain_redo(self, stage: Stage) -> None:
        if not self.config.resume:
            return
        record, state = self.plan.records.get(stage), self.plan.states.get(stage)
        name = stage_name(stage)
        if record is None:
            logger.info("%s: no checkpoint to reuse (not finished, or its settings changed); "
                        "running it", name)
        elif record.upstream != self.upstream:
            logger.info("%s: what the stages before it wrote changed; running it again", name)
        elif state not in (_REUSE, _REMOVED):
            logger.warning("%s: %s; running the stage again", name, state)
        else:
            logger.info("%s: its removed intermediates are needed again; running it", name)


def recorded_metrics(stage: Stage) -> dict:
    """The metrics ``stage`` recorded in the active registry (empty with telemetry off)."""
    try:
        return dict(current_registry()[stage_name(stage)].metrics)
    except KeyError:
        return {}


def stage_metric(registry, stage: Stage, metric: str,
                 checkpoints: Checkpoints | None = None) -> object:
    """A metric that ``stage`` recorded in ``registry``, else the one stored with its checkpoint
    (a resumed run reused it), else ``-``."""
    try:
        value = registry[stage_name(stage)].metrics.get(metric, "-")
    except KeyError:
        value = "-"
    if value == "-" and checkpoints is not None:
        value = checkpoints.stage_metrics(stage).get(metric, "-")
    return value
