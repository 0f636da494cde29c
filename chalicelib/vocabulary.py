"""The shared vocabulary: frameworks, goals and motivations, with their accepted aliases.

Input is normalised case-insensitively (aliases included); output always uses ids.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Framework:
    id: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Goal:
    id: str
    label: str
    description: str


@dataclass(frozen=True)
class Motivation:
    id: str
    label: str


FRAMEWORKS: tuple[Framework, ...] = (
    Framework("pytorch", "PyTorch", ("torch", "py-torch")),
    Framework("tensorflow", "TensorFlow", ("tf", "tensor-flow")),
    Framework("keras", "Keras", ("tf.keras",)),
    Framework("jax", "JAX", ("flax",)),
    Framework("scikit-learn", "scikit-learn", ("sklearn", "scikit", "scikitlearn")),
    Framework("xgboost", "XGBoost", ("xgb",)),
    Framework("lightgbm", "LightGBM", ("lgbm", "light-gbm")),
    Framework("hugging-face", "Hugging Face", ("huggingface", "transformers", "hf")),
    Framework("spark-mllib", "Spark MLlib", ("mllib", "spark", "pyspark")),
    Framework("onnx", "ONNX", ("onnxruntime",)),
)

GOALS: tuple[Goal, ...] = (
    Goal("internal-transfer", "Internal transfer", "Move to an ML team inside your company"),
    Goal("ml-initiative", "ML initiative", "Start an ML project where you work"),
    Goal("job-switch", "Job switch", "Land an ML role elsewhere"),
    Goal("interview-prep", "Interview prep", "Pass ML interview rounds"),
    Goal("applied-theory", "Applied theory", "Learn theory by building"),
    Goal("kaggle", "Kaggle", "Competitions"),
    Goal("personal-project", "Personal project", "Build a project of your own"),
    Goal("framework-depth", "Framework depth", "Double down on one framework"),
    Goal("ml-systems", "ML systems", "ML infrastructure and MLOps"),
)

MOTIVATIONS: tuple[Motivation, ...] = (
    Motivation("problems", "The problems ML solves"),
    Motivation("curiosity", "Curiosity"),
    Motivation("demand", "Demand for ML skills"),
    Motivation("pay", "Pay"),
    Motivation("other", "Other"),
)


def _key(value: str) -> str:
    # "Scikit Learn", "scikit_learn" and "scikit-learn" are the same thing to a person.
    return "-".join(value.strip().lower().replace("_", "-").split())


def _index(entries, aliases_of) -> dict[str, str]:
    index: dict[str, str] = {}
    for entry in entries:
        for name in (entry.id, entry.label, *aliases_of(entry)):
            index[_key(name)] = entry.id
    return index


_FRAMEWORK_INDEX = _index(FRAMEWORKS, lambda f: f.aliases)
_GOAL_INDEX = _index(GOALS, lambda g: ())
_MOTIVATION_INDEX = _index(MOTIVATIONS, lambda m: ())

FRAMEWORK_IDS = tuple(f.id for f in FRAMEWORKS)
GOAL_IDS = tuple(g.id for g in GOALS)
MOTIVATION_IDS = tuple(m.id for m in MOTIVATIONS)

FRAMEWORK_LABELS = {f.id: f.label for f in FRAMEWORKS}
GOAL_LABELS = {g.id: g.label for g in GOALS}


def normalize_framework(value: str) -> str | None:
    """The framework id for an id, label or alias (any case), or None if unknown."""
    return _FRAMEWORK_INDEX.get(_key(value))


def normalize_goal(value: str) -> str | None:
    """The goal id for an id or label (any case), or None if unknown."""
    return _GOAL_INDEX.get(_key(value))


def normalize_motivation(value: str) -> str | None:
    """The motivation id for an id or label (any case), or None if unknown."""
    return _MOTIVATION_INDEX.get(_key(value))


def as_document() -> dict:
    """The vocabulary as served by GET /vocabulary."""
    return {
        "frameworks": [
            {"id": f.id, "label": f.label, "aliases": list(f.aliases)} for f in FRAMEWORKS
        ],
        "goals": [{"id": g.id, "label": g.label, "description": g.description} for g in GOALS],
        "motivations": [{"id": m.id, "label": m.label} for m in MOTIVATIONS],
    }
