"""The frozen training options of ``virnucpro train``; defaults are the original tool's."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from virnucpro.errors import UsageError


@dataclass(frozen=True)
class TrainingOptions:
    """How the classifier is trained (``train.py`` of the published tool, unless noted).

    Attributes:
        epochs: at most this many epochs (200).
        patience: stop after this many epochs without a lower validation loss (5).
        batch_size: training examples per SGD step (32).
        lr: SGD learning rate (2e-4).
        momentum: SGD momentum (0.9).
        step_size: StepLR: epochs between learning-rate decays (10).
        gamma: StepLR: the decay factor (0.85).
        seed: seeds the initial weights, the shuffling and dropout (42).
        hidden_dim: width of the MLP's hidden layer (512).
        eval_batch_size: rows per forward pass when evaluating (no effect on results).
    """

    epochs: int = 200
    patience: int = 5
    batch_size: int = 32
    lr: float = 2e-4
    momentum: float = 0.9
    step_size: int = 10
    gamma: float = 0.85
    seed: int = 42
    hidden_dim: int = 512
    eval_batch_size: int = 4096

    def __post_init__(self) -> None:
        for name in ("epochs", "patience", "step_size", "hidden_dim", "eval_batch_size"):
            if getattr(self, name) < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
        if self.batch_size < 2:
            raise UsageError("--batch-size must be at least 2 (batch normalisation needs two)")
        if not self.lr > 0:
            raise UsageError(f"--lr must be above 0, not {self.lr}")
        if not 0 <= self.momentum < 1:
            raise UsageError(f"--momentum must be in [0, 1), not {self.momentum}")
        if not 0 < self.gamma <= 1:
            raise UsageError(f"--gamma must be in (0, 1], not {self.gamma}")

    def as_dict(self) -> dict[str, int | float]:
        """Plain data (for the checkpoint and the model file's metadata)."""
        return asdict(self)
